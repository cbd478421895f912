import type { WebhookSource } from '#core/webhooks';
import {
  hexBytes,
  hmacSha256,
  invalidSignature,
  JSON_MEDIA_TYPE,
  parseJson,
  requireContentType,
  requireHeader,
  requireSecrets,
  sha256Hex,
  SIGNATURE_MISMATCH_HINT,
  signedByAny,
  stringField,
} from '../webhooks/verify-helpers';

/** The setup variable holding the webhook's secret (the "Secret" field of the GitHub webhook). */
export const GITHUB_WEBHOOK_SECRET = 'GITHUB_WEBHOOK_SECRET';

/**
 * GitHub's `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. The scheme signs the body
 * only: no timestamp, and `X-GitHub-Event` / `X-GitHub-Delivery` are not signed, so a captured delivery
 * can be replayed; the delivery id (kept by GitHub's redeliveries) is the dedupe key. The `ping` GitHub
 * sends when a webhook is created is answered and starts nothing.
 */
export const githubWebhook: WebhookSource = {
  id: 'github',
  title: 'GitHub',
  events: [
    {
      type: 'issues',
      title: 'An issue was opened, edited or closed',
      keywords: ['issue is opened', 'issue is created', 'new issue', 'opens an issue', 'issue is filed', 'files an issue', 'issue is closed', 'issue'],
      fields: {
        title: 'issue.title',
        number: 'issue.number',
        url: 'issue.html_url',
        owner: 'repository.owner.login',
        repo: 'repository.name',
        author: 'sender.login',
      },
      example: {
        action: 'opened',
        issue: {
          number: 42,
          title: 'Checkout fails for EUR orders',
          body: 'Seen on order ord_1042.',
          state: 'open',
          html_url: 'https://github.com/acme/website/issues/42',
          user: { login: 'octocat' },
          labels: [{ name: 'bug' }],
        },
        repository: { name: 'website', full_name: 'acme/website', owner: { login: 'acme' } },
        sender: { login: 'octocat' },
      },
    },
    {
      type: 'pull_request',
      title: 'A pull request was opened, closed or merged',
      keywords: ['pull request', 'pr is opened', 'new pr', 'opens a pr', 'pr is merged', 'pull request is merged', 'merged'],
      fields: {
        title: 'pull_request.title',
        number: 'pull_request.number',
        url: 'pull_request.html_url',
        owner: 'repository.owner.login',
        repo: 'repository.name',
        author: 'sender.login',
      },
    },
    {
      type: 'push',
      title: 'Commits were pushed',
      keywords: ['push', 'pushes', 'pushed', 'commit', 'commits'],
      fields: { ref: 'ref', owner: 'repository.owner.login', repo: 'repository.name', author: 'pusher.name', url: 'compare' },
    },
    {
      type: 'issue_comment',
      title: 'A comment was added to an issue or pull request',
      keywords: ['comment is added', 'new comment', 'someone comments', 'comments on an issue'],
      fields: {
        body: 'comment.body',
        number: 'issue.number',
        url: 'comment.html_url',
        owner: 'repository.owner.login',
        repo: 'repository.name',
        author: 'sender.login',
      },
    },
    {
      type: 'release',
      title: 'A release was published',
      keywords: ['release', 'new release', 'release is published', 'ships a release'],
      fields: { title: 'release.name', url: 'release.html_url', tag: 'release.tag_name', owner: 'repository.owner.login', repo: 'repository.name' },
    },
  ],
  signatureHeaders: ['x-hub-signature-256', 'x-hub-signature'],
  secretVariable: GITHUB_WEBHOOK_SECRET,
  whereToGet:
    'GitHub does not generate it: choose a long random value, enter it as the Secret of the webhook (repository or organization Settings → Webhooks → your webhook), and store the same value here.',
  verify(req) {
    requireContentType(
      req,
      [JSON_MEDIA_TYPE],
      'In the GitHub webhook settings set "Content type" to application/json (GitHub offers application/x-www-form-urlencoded first).',
    );
    const secrets = requireSecrets(req, GITHUB_WEBHOOK_SECRET, 'GitHub');
    const header = requireHeader(
      req,
      'X-Hub-Signature-256',
      'GitHub sends it only when the webhook has a secret: set the Secret in the webhook settings to the value of GITHUB_WEBHOOK_SECRET.',
    );
    // Read as @octokit/webhooks-methods reads it: exactly `sha256=` and 64 lower-case hex digits, else no signature.
    const received = /^sha256=[0-9a-f]{64}$/.test(header) ? hexBytes(header.slice('sha256='.length)) : undefined;
    if (!signedByAny(secrets, (secret) => hmacSha256(secret, req.rawBody), received))
      throw invalidSignature(`The X-Hub-Signature-256 does not match the body for ${GITHUB_WEBHOOK_SECRET}. ${SIGNATURE_MISMATCH_HINT}`);
    const payload = parseJson(req.rawBody, 'GitHub');
    const event = req.headers['x-github-event'];
    const action = stringField(payload, 'action');
    const eventType = event && action ? `${event}.${action}` : event;
    // Every GitHub delivery has X-GitHub-Delivery; the body hash only covers a sender that strips it.
    const eventId = req.headers['x-github-delivery'] || `sha256:${sha256Hex(req.rawBody)}`;
    // The delivery id is not signed: dedupe on the signed body, so a captured delivery sent again with a new id is still one run.
    const dedupeKey = `sha256:${sha256Hex(req.rawBody)}`;
    if (event === 'ping') return { eventId, eventType, payload, dedupeKey, reply: { status: 200, body: { ok: true } } };
    return { eventId, eventType, payload, dedupeKey };
  },
};
