import { defineIntegration } from '#core/catalog-sdk';
import { addComment } from './actions/add-comment.action';
import { createIssue } from './actions/create-issue.action';
import { callGitHub, GITHUB_TOKEN, githubClient } from './client';
import { githubWebhook } from './webhook';

/** GitHub issues, through the official `@octokit/rest` SDK with a personal access token. */
export default defineIntegration({
  key: 'github',
  version: 1,
  title: 'GitHub',
  description: 'Open issues and comment on issues and pull requests in GitHub repositories.',
  category: 'Developer tools',
  auth: { type: 'apiKey', variable: GITHUB_TOKEN },
  setup: [
    {
      name: GITHUB_TOKEN,
      description: 'A GitHub personal access token that may read and write issues in the repositories your flows use.',
      whereToGet:
        'Create a fine-grained personal access token at https://github.com/settings/tokens (Fine-grained tokens → Generate new token), select the repositories, and grant Repository permissions → Issues: Read and write.',
    },
  ],
  actions: [createIssue, addComment],
  webhooks: [githubWebhook],
  docs: [
    { title: 'Create an issue', url: 'https://docs.github.com/en/rest/issues/issues#create-an-issue' },
    { title: 'Create an issue comment', url: 'https://docs.github.com/en/rest/issues/comments#create-an-issue-comment' },
    { title: 'Rate limits for the REST API', url: 'https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api' },
    { title: 'octokit/rest.js', url: 'https://octokit.github.io/rest.js/' },
  ],
  examplePrompts: [
    'Open a GitHub issue in acme/web when a customer reports a bug',
    'Comment on the GitHub issue when the fix is deployed',
    'Create a triage issue with the "support" label for every failed payment',
  ],
  /** `GET /user`: proves the token is valid and names its owner. */
  async testConnection(ctx) {
    const github = await githubClient(ctx);
    const { data } = await callGitHub('GET /user', () => github.rest.users.getAuthenticated());
    return { detail: `Connected to GitHub as ${data.login}` };
  },
});
