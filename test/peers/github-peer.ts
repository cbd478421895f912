import { startHttpPeer, type Hit } from '../helpers/http-peer';

type Answer = { status?: number; headers?: Record<string, string>; body?: unknown };

export interface GitHubPeerOptions {
  /** Accepted tokens → the login they belong to. */
  tokens: Record<string, string>;
  /** `owner/repo` names that exist. */
  repos: string[];
  /** Logins that may be assigned (collaborators); default: the token owners. */
  assignable?: string[];
}

interface Issue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  labels: string[];
  assignees: string[];
  user: string;
  comments: number;
  created_at: string;
}

const DOCS = 'https://docs.github.com/rest';
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-github-api-version-selected': '2022-11-28',
  'x-github-media-type': 'github.v3; format=json',
};

/**
 * A local stand-in for GitHub's REST API (https://docs.github.com/rest): token auth (`Authorization:
 * token …` or `Bearer …`), JSON bodies, rate-limit headers on every answer, and GitHub's error bodies
 * (`{ message, errors?, documentation_url, status }`) with its status codes (401 Bad credentials, 404 Not
 * Found, 422 Validation Failed). Implements GET /user, POST /repos/{owner}/{repo}/issues and
 * POST /repos/{owner}/{repo}/issues/{n}/comments. `failNext` scripts answers for the next requests.
 */
export async function startGitHubPeer(o: GitHubPeerOptions) {
  const issues = new Map<string, Issue[]>(o.repos.map((r) => [r.toLowerCase(), []]));
  const comments: { id: number; repo: string; issue: number; body: string; user: string }[] = [];
  const scripted: Answer[] = [];
  let nextId = 1_000;
  let remaining = 5000;
  let base = '';

  const rateHeaders = () => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-used': String(5000 - remaining),
    'x-ratelimit-resource': 'core',
    'x-github-request-id': `SWYD:${(nextId++).toString(16).toUpperCase()}`,
  });
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
    status,
    headers: { ...JSON_HEADERS, ...rateHeaders(), ...headers },
    body,
  });
  const error = (status: number, message: string, documentation: string, errors?: unknown[]): Answer =>
    answer(status, { message, ...(errors ? { errors } : {}), documentation_url: documentation, status: String(status) });
  const user = (login: string) => ({
    login,
    id: 500 + login.length,
    node_id: `U_${Buffer.from(login).toString('base64url')}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${500 + login.length}?v=4`,
    url: `${base}/users/${login}`,
    html_url: `https://github.com/${login}`,
    type: 'User',
    site_admin: false,
  });

  const route = (hit: Hit): Answer => {
    const script = scripted.shift();
    if (script) return script;
    const path = hit.path.split('?')[0]!;
    const auth = /^(?:token|bearer) (.+)$/i.exec(String(hit.headers.authorization ?? ''));
    if (!auth) return error(401, 'Requires authentication', DOCS);
    const login = o.tokens[auth[1]!];
    if (login === undefined) return error(401, 'Bad credentials', DOCS);
    remaining--;

    if (hit.method === 'GET' && path === '/user') {
      return answer(200, {
        ...user(login),
        name: login.replace(/^./, (c) => c.toUpperCase()),
        company: null,
        public_repos: 3,
        created_at: '2020-01-01T00:00:00Z',
      });
    }
    const issueRoute = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(path);
    const commentRoute = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(path);
    const repoKey = (m: RegExpExecArray) => `${m[1]}/${m[2]}`;
    const args = safeJson(hit.body) as Record<string, unknown> | undefined;

    if (hit.method === 'POST' && issueRoute) {
      const docs = `${DOCS}/issues/issues#create-an-issue`;
      const list = issues.get(repoKey(issueRoute).toLowerCase());
      if (!list) return error(404, 'Not Found', docs);
      if (!args) return error(400, 'Problems parsing JSON', docs);
      if (typeof args.title !== 'string' || args.title === '')
        return error(422, 'Validation Failed', docs, [{ resource: 'Issue', code: 'missing_field', field: 'title' }]);
      const assignees = Array.isArray(args.assignees) ? args.assignees.map(String) : [];
      const assignable = o.assignable ?? Object.values(o.tokens);
      const invalid = assignees.find((a) => !assignable.includes(a));
      if (invalid !== undefined) return error(422, 'Validation Failed', docs, [{ value: invalid, resource: 'Issue', field: 'assignees', code: 'invalid' }]);
      const issue: Issue = {
        id: nextId++,
        number: list.length + 1,
        title: args.title,
        body: typeof args.body === 'string' ? args.body : null,
        labels: Array.isArray(args.labels) ? args.labels.map(String) : [],
        assignees,
        user: login,
        comments: 0,
        created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      };
      list.push(issue);
      const json = issueJson(repoKey(issueRoute), issue);
      return answer(201, json, { location: json.url });
    }

    if (hit.method === 'POST' && commentRoute) {
      const docs = `${DOCS}/issues/comments#create-an-issue-comment`;
      const repo = repoKey(commentRoute);
      const issue = issues.get(repo.toLowerCase())?.find((i) => i.number === Number(commentRoute[3]));
      if (!issue) return error(404, 'Not Found', docs);
      if (!args) return error(400, 'Problems parsing JSON', docs);
      if (typeof args.body !== 'string' || args.body === '')
        return error(422, 'Validation Failed', docs, [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
      const comment = { id: 2_000_000_000 + nextId++, repo, issue: issue.number, body: args.body, user: login };
      comments.push(comment);
      issue.comments++;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const url = `${base}/repos/${repo}/issues/comments/${comment.id}`;
      return answer(
        201,
        {
          id: comment.id,
          node_id: `IC_${comment.id}`,
          url,
          html_url: `https://github.com/${repo}/issues/${issue.number}#issuecomment-${comment.id}`,
          issue_url: `${base}/repos/${repo}/issues/${issue.number}`,
          body: comment.body,
          user: user(login),
          created_at: now,
          updated_at: now,
          author_association: 'OWNER',
        },
        { location: url },
      );
    }
    return error(404, 'Not Found', DOCS);
  };

  function issueJson(repo: string, issue: Issue) {
    const url = `${base}/repos/${repo}/issues/${issue.number}`;
    return {
      id: issue.id,
      node_id: `I_${issue.id}`,
      url,
      repository_url: `${base}/repos/${repo}`,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `https://github.com/${repo}/issues/${issue.number}`,
      number: issue.number,
      state: 'open',
      state_reason: null,
      title: issue.title,
      body: issue.body,
      user: user(issue.user),
      labels: issue.labels.map((name, i) => ({
        id: 9000 + i,
        node_id: `LA_${i}`,
        url: `${base}/repos/${repo}/labels/${encodeURIComponent(name)}`,
        name,
        color: 'ededed',
        default: false,
        description: null,
      })),
      assignee: issue.assignees[0] ? user(issue.assignees[0]) : null,
      assignees: issue.assignees.map(user),
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: issue.comments,
      closed_at: null,
      created_at: issue.created_at,
      updated_at: issue.created_at,
      closed_by: null,
      author_association: 'OWNER',
    };
  }

  const peer = await startHttpPeer(route);
  base = peer.url;
  return {
    ...peer,
    issues: (repo: string) => issues.get(repo.toLowerCase()) ?? [],
    comments,
    /** Answers the next requests with these, in order, before anything else is checked. */
    failNext(...answers: Answer[]) {
      scripted.push(...answers.map((a) => ({ ...a, headers: { ...JSON_HEADERS, ...rateHeaders(), ...a.headers } })));
    },
    /** The tokens sent, in order (without the `token ` / `Bearer ` scheme). */
    tokensSeen: () => peer.hits.map((h) => String(h.headers.authorization ?? '').replace(/^(?:token|bearer) /i, '')),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
