import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callGitHub, githubClient, sandboxNumber } from '../client';

/** `octocat` in `octocat/hello-world`. */
export const Owner = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, 'a GitHub user or organization name, e.g. octocat')
  .describe('The user or organization that owns the repository');
/** `hello-world` in `octocat/hello-world`. */
export const Repo = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'a repository name, e.g. hello-world')
  .describe('The repository name, without the owner');

export const CreateIssueInput = z.object({
  owner: Owner,
  repo: Repo,
  title: z.string().min(1).max(256).describe('The issue title'),
  body: z.string().max(65_536).optional().describe('The issue text (GitHub Markdown)'),
  labels: z.array(z.string().min(1).max(50)).max(100).optional().describe('Label names; GitHub creates missing ones when the token may push'),
  assignees: z.array(z.string().min(1).max(39)).max(10).optional().describe('Logins to assign (they need access to the repository)'),
});
export type CreateIssueInput = z.infer<typeof CreateIssueInput>;

export const CreateIssueOutput = z.object({
  number: z.number().int(),
  /** The issue's API URL. */
  url: z.string(),
  /** The issue's page, for people. */
  htmlUrl: z.string(),
  state: z.string(),
});
export type CreateIssueOutput = z.infer<typeof CreateIssueOutput>;

export const createIssue = defineAction({
  key: 'create-issue',
  title: 'Create an issue',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['issue', 'github issue', 'ticket', 'bug report', 'open an issue', 'file an issue', 'create an issue'],
  description: 'Opens an issue in a GitHub repository, with optional labels and assignees.',
  input: CreateIssueInput,
  example: { owner: 'acme', repo: 'website', title: 'Checkout fails for EUR orders', body: 'Seen on order ord_1042.', labels: ['bug'] },
  output: CreateIssueOutput,
  sideEffects: true,
  // GitHub's REST API takes no idempotency key: a retry after a lost answer can open a second issue.
  idempotent: false,
  async run(input, ctx) {
    const github = await githubClient(ctx);
    const { data } = await callGitHub(`POST /repos/${input.owner}/${input.repo}/issues`, () =>
      github.rest.issues.create({
        owner: input.owner,
        repo: input.repo,
        title: input.title,
        ...(input.body !== undefined ? { body: input.body } : {}),
        ...(input.labels ? { labels: input.labels } : {}),
        ...(input.assignees ? { assignees: input.assignees } : {}),
      }),
    );
    return { number: data.number, url: data.url, htmlUrl: data.html_url, state: data.state };
  },
  async sandbox(input, ctx) {
    const number = sandboxNumber(ctx.idempotencyKey, 9000);
    return {
      number,
      url: `https://api.github.com/repos/${input.owner}/${input.repo}/issues/${number}`,
      htmlUrl: `https://github.com/${input.owner}/${input.repo}/issues/${number}`,
      state: 'open',
    };
  },
});
