import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { callGitHub, githubClient, sandboxNumber } from '../client';
import { Owner, Repo } from './create-issue.action';

export const AddCommentInput = z.object({
  owner: Owner,
  repo: Repo,
  issueNumber: z.number().int().positive().describe('The issue or pull request number'),
  body: z.string().min(1).max(65_536).describe('The comment (GitHub Markdown)'),
});
export type AddCommentInput = z.infer<typeof AddCommentInput>;

export const AddCommentOutput = z.object({
  id: z.number().int(),
  /** The comment's anchor on the issue page. */
  htmlUrl: z.string(),
});
export type AddCommentOutput = z.infer<typeof AddCommentOutput>;

export const addComment = defineAction({
  key: 'add-comment',
  title: 'Comment on an issue',
  /** Words the assistant's planner matches against a prompt (server/src/assistant). */
  keywords: ['comment', 'reply on the issue', 'github comment', 'comment on the issue', 'comment on the pull request'],
  description: 'Adds a comment to a GitHub issue or pull request.',
  input: AddCommentInput,
  example: { owner: 'acme', repo: 'website', issueNumber: 42, body: 'Deployed to production in build 1.4.2.' },
  output: AddCommentOutput,
  sideEffects: true,
  // No idempotency key in GitHub's REST API: a retry after a lost answer can comment twice.
  idempotent: false,
  async run(input, ctx) {
    const github = await githubClient(ctx);
    const { data } = await callGitHub(`POST /repos/${input.owner}/${input.repo}/issues/${input.issueNumber}/comments`, () =>
      github.rest.issues.createComment({ owner: input.owner, repo: input.repo, issue_number: input.issueNumber, body: input.body }),
    );
    return { id: data.id, htmlUrl: data.html_url };
  },
  async sandbox(input, ctx) {
    const id = 1_000_000_000 + sandboxNumber(ctx.idempotencyKey, 999_999_999);
    return { id, htmlUrl: `https://github.com/${input.owner}/${input.repo}/issues/${input.issueNumber}#issuecomment-${id}` };
  },
});
