import type { CodeStepContext } from '#core/code';

/**
 * What `github.create-issue@1` does, as a code step: POST /repos/{owner}/{repo}/issues with the token.
 * Declare the secret GITHUB_TOKEN. `baseUrl` is for tests (a local peer) or GitHub Enterprise.
 */
interface Input {
  repo: string;
  title: string;
  body?: string;
  labels?: string[];
  baseUrl?: string;
}

export default async function (input: Input, ctx: CodeStepContext) {
  const res = await ctx.fetch(`${input.baseUrl ?? 'https://api.github.com'}/repos/${input.repo}/issues`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ctx.secrets.GITHUB_TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ title: input.title, body: input.body, labels: input.labels }),
  });
  const issue = await res.json();
  if (!res.ok) throw new Error(`GitHub answered ${res.status}: ${issue.message ?? res.statusText}`);
  return { number: issue.number as number, url: issue.html_url as string };
}
