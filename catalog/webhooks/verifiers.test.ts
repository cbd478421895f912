import crypto from 'node:crypto';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebhookRejected, type VerifiedDelivery, type WebhookRequest, type WebhookSource } from '#core/webhooks';
import {
  githubIssueEvent,
  signDelivery,
  slackEvent,
  slackInteraction,
  slackSignature,
  slackSlashCommand,
  slackUrlVerification,
  standardEvent,
  stripeEvent,
  webhookSecret,
  type SignedDelivery,
  type SignOptions,
} from '../../test/helpers/webhook-signing';
import { malformedCorpus } from '../../test/helpers/malformed-signatures';
import { githubWebhook } from '../github/webhook';
import { slackWebhook } from '../slack/webhook';
import { stripeWebhook } from '../stripe/webhook';
import { hmacWebhook } from './hmac';
import { standardWebhook } from './standard';

/**
 * Every source goes through the same list of good and bad deliveries, signed by the providers' own
 * libraries (test/helpers/webhook-signing.ts): every good one must pass with the right event id and type,
 * every bad one must throw WebhookRejected with a 4xx and the right code.
 */

const NOW = new Date();
const MINUTES_10 = 10 * 60_000;

function request(d: SignedDelivery, secrets: string[], o: { now?: Date; options?: WebhookRequest['options'] } = {}): WebhookRequest {
  return { rawBody: Buffer.from(d.body, 'utf8'), headers: { ...d.headers }, secrets, now: o.now ?? NOW, options: o.options ?? {} };
}

function rejection(source: WebhookSource, req: WebhookRequest): WebhookRejected {
  try {
    source.verify(req);
  } catch (err) {
    if (err instanceof WebhookRejected) return err;
    throw err;
  }
  throw new Error(`${source.id} accepted a delivery it should refuse`);
}

interface SourceCase {
  source: WebhookSource;
  body: string;
  expected: { eventId: string; eventType: string };
  /** Per-source signing options (GitHub's delivery id, the Standard Webhooks message id). */
  signOptions?: Partial<SignOptions>;
  signatureHeader: string;
  /** Each one removed must give SIGNATURE_MISSING. */
  requiredHeaders: string[];
  timestamped: boolean;
}

const hmacBody = JSON.stringify({ type: 'invoice.paid', invoice: { id: 'inv_1', total: 4200 } });
const cases: SourceCase[] = [
  {
    source: stripeWebhook,
    body: stripeEvent('payment_intent.succeeded', { id: 'pi_1', object: 'payment_intent', amount: 1999 }, 'evt_test_1'),
    expected: { eventId: 'evt_test_1', eventType: 'payment_intent.succeeded' },
    signatureHeader: 'stripe-signature',
    requiredHeaders: ['stripe-signature'],
    timestamped: true,
  },
  {
    source: githubWebhook,
    body: githubIssueEvent('opened'),
    expected: { eventId: 'delivery-1', eventType: 'issues.opened' },
    signOptions: { eventId: 'delivery-1', event: 'issues' },
    signatureHeader: 'x-hub-signature-256',
    requiredHeaders: ['x-hub-signature-256'],
    timestamped: false,
  },
  {
    source: slackWebhook,
    body: slackEvent({ type: 'app_mention', text: 'hi' }, 'Ev0001'),
    expected: { eventId: 'Ev0001', eventType: 'app_mention' },
    signatureHeader: 'x-slack-signature',
    requiredHeaders: ['x-slack-signature', 'x-slack-request-timestamp'],
    timestamped: true,
  },
  {
    source: standardWebhook,
    body: standardEvent('email.bounced', { email_id: 'em_1' }),
    expected: { eventId: 'msg_1', eventType: 'email.bounced' },
    signOptions: { eventId: 'msg_1' },
    signatureHeader: 'webhook-signature',
    requiredHeaders: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    timestamped: true,
  },
  {
    source: hmacWebhook,
    body: hmacBody,
    expected: { eventId: `sha256:${crypto.createHash('sha256').update(hmacBody).digest('hex')}`, eventType: 'invoice.paid' },
    signatureHeader: 'x-signature',
    requiredHeaders: ['x-signature'],
    timestamped: false,
  },
];

type Scenario = { name: string; req: WebhookRequest } & ({ good: true } | { good: false; status: number; code: WebhookRejected['code'] });

/** The same list for every source. */
async function scenarios(c: SourceCase): Promise<Scenario[]> {
  const secret = webhookSecret(c.source.id);
  const previous = webhookSecret(c.source.id);
  const sign = (o: Partial<SignOptions> = {}) => signDelivery(c.source.id, { secret, body: c.body, ...c.signOptions, ...o });
  const valid = await sign();
  const bad = (name: string, req: WebhookRequest, status: number, code: WebhookRejected['code']): Scenario => ({ name, req, good: false, status, code });
  const without = (header: string): SignedDelivery => ({ ...valid, headers: Object.fromEntries(Object.entries(valid.headers).filter(([k]) => k !== header)) });
  const withHeader = (header: string, value: string): SignedDelivery => ({ ...valid, headers: { ...valid.headers, [header]: value } });
  const list: Scenario[] = [
    { name: 'valid', req: request(valid, [secret]), good: true },
    { name: 'content type with charset', req: request(withHeader('content-type', 'application/json; charset=utf-8'), [secret]), good: true },
    {
      name: 'rotation: signed with the previous secret',
      req: request(await signDelivery(c.source.id, { secret: previous, body: c.body, ...c.signOptions }), [secret, previous]),
      good: true,
    },
    { name: 'rotation: signed with the new secret', req: request(valid, [previous, secret]), good: true },
    bad('rotation: signed with neither secret', request(await sign({ secret: webhookSecret(c.source.id) }), [secret, previous]), 401, 'SIGNATURE_INVALID'),
    bad('tampered body', request({ ...valid, body: valid.body.replace(/}$/, ',"tampered":true}') }, [secret]), 401, 'SIGNATURE_INVALID'),
    bad('wrong secret', request(valid, [webhookSecret(c.source.id)]), 401, 'SIGNATURE_INVALID'),
    bad('re-serialised JSON', request({ ...valid, body: JSON.stringify(JSON.parse(c.body), null, 2) }, [secret]), 401, 'SIGNATURE_INVALID'),
    bad('truncated signature', request(withHeader(c.signatureHeader, valid.headers[c.signatureHeader]!.slice(0, -8)), [secret]), 401, 'SIGNATURE_INVALID'),
    bad('no secret configured', request(valid, []), 401, 'SIGNATURE_INVALID'),
    bad('wrong content type', request(withHeader('content-type', 'text/plain'), [secret]), 415, 'UNSUPPORTED_CONTENT_TYPE'),
    bad('no content type', request(without('content-type'), [secret]), 415, 'UNSUPPORTED_CONTENT_TYPE'),
    bad('JSON in another charset', request(withHeader('content-type', 'application/json; charset=latin1'), [secret]), 415, 'UNSUPPORTED_CONTENT_TYPE'),
    bad('signed, but not JSON', request(await sign({ body: '{"unterminated": ' }), [secret]), 400, 'BODY_INVALID'),
    ...c.requiredHeaders.map((h) => bad(`missing ${h}`, request(without(h), [secret]), 401, 'SIGNATURE_MISSING')),
  ];
  if (c.timestamped) {
    list.push(
      bad('stale timestamp', request(await sign({ timestamp: new Date(NOW.getTime() - MINUTES_10) }), [secret]), 401, 'TIMESTAMP_OUT_OF_RANGE'),
      bad('future timestamp', request(await sign({ timestamp: new Date(NOW.getTime() + MINUTES_10) }), [secret]), 401, 'TIMESTAMP_OUT_OF_RANGE'),
      { name: 'timestamp 4 minutes old', req: request(await sign({ timestamp: new Date(NOW.getTime() - 4 * 60_000) }), [secret]), good: true },
    );
  }
  return list;
}

const table = await Promise.all(cases.map(async (c) => ({ c, list: await scenarios(c) })));

describe.each(table)('$c.source.id', ({ c, list }) => {
  it.each(list)('$name', (s) => {
    if (s.good) {
      const delivery = c.source.verify(s.req);
      expect(delivery).toMatchObject(c.expected);
      expect(delivery.reply).toBeUndefined();
      expect(delivery.payload).toEqual(JSON.parse(s.req.rawBody.toString('utf8')));
    } else {
      const err = rejection(c.source, s.req);
      expect({ status: err.status, code: err.code }).toEqual({ status: s.status, code: s.code });
    }
  });

  it('never names a secret or shows an expected signature in a refusal', () => {
    for (const s of list.filter((x) => !x.good)) {
      const message = rejection(c.source, s.req).message;
      for (const secret of s.req.secrets) expect(message).not.toContain(secret);
      expect(message).not.toMatch(/[0-9a-f]{32}/i);
    }
  });

  it('declares where its secret comes from and which headers to strip', () => {
    expect(c.source.secretVariable).toMatch(/^[A-Z][A-Z0-9_]+$/);
    expect(c.source.whereToGet.length).toBeGreaterThan(20);
    expect(c.source.signatureHeaders).toContain(c.signatureHeader);
  });
});

it('every good delivery passes and every bad one is refused with a 4xx WebhookRejected', () => {
  let good = 0;
  let refused = 0;
  const all = table.flatMap(({ c, list }) => list.map((s) => ({ source: c.source, s })));
  for (const { source, s } of all) {
    if (s.good) {
      source.verify(s.req);
      good++;
    } else {
      const err = rejection(source, s.req);
      if (err.status >= 400 && err.status < 500) refused++;
    }
  }
  expect(good).toBe(all.filter((x) => x.s.good).length);
  expect(refused).toBe(all.filter((x) => !x.s.good).length);
  expect(refused).toBeGreaterThanOrEqual(5 * 12);
});

describe.each(cases)('$source.id over the malformed-header corpus', (c) => {
  it('refuses every case with a 4xx WebhookRejected and never throws anything else', async () => {
    const secret = webhookSecret(c.source.id);
    const valid = await signDelivery(c.source.id, { secret, body: c.body, ...c.signOptions, header: 'x-acme-signature' });
    const corpus = malformedCorpus(c.source.id, valid);
    const options = c.source.id === 'hmac' ? { header: 'x-acme-signature' } : {};
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    for (const m of corpus) {
      // Duplicated header lines arrive joined with ", ", as Node joins them.
      const headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      let thrown: unknown;
      try {
        c.source.verify({ rawBody: Buffer.from(m.body), headers, secrets: [secret], now: new Date(), options });
      } catch (err) {
        thrown = err;
      }
      expect(thrown, m.what).toBeInstanceOf(WebhookRejected);
      expect((thrown as WebhookRejected).status, m.what).toBeGreaterThanOrEqual(400);
      expect((thrown as WebhookRejected).status, m.what).toBeLessThan(500);
    }
  });
});

describe('stripe', () => {
  const at = (offsetS: number) => Math.floor(NOW.getTime() / 1000) + offsetS;
  const signAt = (secret: string, body: string, t: number) => Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: t });
  const withSignature = (body: string, header: string) => request({ headers: { 'content-type': 'application/json', 'stripe-signature': header }, body }, []);

  it('reads several t= as stripe-node does: the last one is signed and checked against the window', () => {
    const secret = webhookSecret('stripe');
    const body = stripeEvent('invoice.paid', {}, 'evt_multi_t');
    const verify = (header: string) => stripeWebhook.verify({ ...withSignature(body, header), secrets: [secret] });
    // Last t fresh and signed: accepted, whatever t= comes before it.
    expect(verify(`t=${at(-3600)},${signAt(secret, body, at(0))}`).eventId).toBe('evt_multi_t');
    expect(verify(`t=${at(3600)},t=1,${signAt(secret, body, at(-10))}`).eventId).toBe('evt_multi_t');
    // Last t stale or in the future: refused for its time, even with a fresh t first and a signature over the last one.
    for (const late of [at(-3600), at(3600)])
      expect(rejection(stripeWebhook, { ...withSignature(body, `t=${at(0)},${signAt(secret, body, late)}`), secrets: [secret] }).code).toBe(
        'TIMESTAMP_OUT_OF_RANGE',
      );
    // A fresh t after the signed one: the signature is not over the t that counts.
    const signedEarlier = signAt(secret, body, at(-5));
    expect(rejection(stripeWebhook, { ...withSignature(body, `${signedEarlier},t=${at(0)}`), secrets: [secret] }).code).toBe('SIGNATURE_INVALID');
  });

  it('accepts exactly the arrangements the SDK accepts (t= and v1= in any order and number), and is total where the SDK throws', () => {
    const secret = webhookSecret('stripe');
    const body = stripeEvent('invoice.paid', {}, 'evt_arrangements');
    const t = at(-60);
    const good = /v1=([0-9a-f]{64})/.exec(signAt(secret, body, t))![1]!;
    const bad = good.replace(/.$/, (ch) => (ch === '0' ? '1' : '0'));
    const arrangements = [
      `t=${t},v1=${good}`,
      `v1=${good},t=${t}`,
      `t=${t},v1=${bad},v1=${good}`,
      `t=${t},v1=${good},v1=${bad}`,
      `t=${t},v0=${good},v1=${bad}`,
      `t=${at(-90)},t=${t},v1=${good}`,
      `t=${t},v1=${good},t=${at(-90)}`,
      `t=${t},v1=${good}=`,
      `t=${t},v1=${good},v1=`,
      `t=${t},v1=${good},v1`,
      `t=${t},v1=${good.toUpperCase()}`,
      `t=${t}, v1=${good}`,
      ` t=${t},v1=${good}`,
      `t=${t},v1=${good},${'v1=,'.repeat(50)}`,
      `t=${t},t=${t},v1=${good}`,
      `t=${t},v1=${'é'.repeat(64)},v1=${good}`,
      `t=${t},V1=${good}`,
    ];
    for (const header of arrangements) {
      const sdk = (() => {
        try {
          // Trimmed, as Node hands a header value over.
          return Stripe.webhooks.signature!.verifyHeader(body, header.trim(), secret, 300, undefined, NOW.getTime());
        } catch (err) {
          // Its refusal; anything else is the SDK's own crash (an empty or non-ASCII v1), which gives no verdict.
          return err instanceof Stripe.errors.StripeSignatureVerificationError ? false : 'crash';
        }
      })();
      const ours = (() => {
        try {
          return !!stripeWebhook.verify({ ...withSignature(body, header), secrets: [secret] });
        } catch (err) {
          if (err instanceof WebhookRejected) return false;
          throw err;
        }
      })();
      if (sdk !== 'crash') expect(ours, header).toBe(sdk);
    }
  });

  it('honours toleranceSeconds and reads now from the request', async () => {
    const secret = webhookSecret('stripe');
    const signedAt = new Date('2024-01-01T00:00:00Z');
    const d = await signDelivery('stripe', { secret, body: stripeEvent('charge.refunded', {}, 'evt_old'), timestamp: signedAt });
    expect(stripeWebhook.verify(request(d, [secret], { now: new Date(signedAt.getTime() + 60_000) })).eventId).toBe('evt_old');
    const late = request(d, [secret], { now: new Date(signedAt.getTime() + 120_000), options: { toleranceSeconds: 60 } });
    expect(rejection(stripeWebhook, late)).toMatchObject({ code: 'TIMESTAMP_OUT_OF_RANGE', message: expect.stringContaining('60 s') });
  });

  it('accepts a thin event notification (v2 event destinations)', async () => {
    const secret = webhookSecret('stripe');
    const body = JSON.stringify({
      id: 'evt_thin_1',
      object: 'v2.core.event',
      type: 'v1.billing.meter.error_report_triggered',
      related_object: { id: 'mtr_1' },
    });
    const d = await signDelivery('stripe', { secret, body });
    expect(stripeWebhook.verify(request(d, [secret]))).toMatchObject({ eventId: 'evt_thin_1', eventType: 'v1.billing.meter.error_report_triggered' });
  });
});

describe('github', () => {
  it('reads X-Hub-Signature-256 exactly as @octokit/webhooks-methods does', async () => {
    const secret = webhookSecret('github');
    const d = await signDelivery('github', { secret, body: githubIssueEvent('closed') });
    const good = d.headers['x-hub-signature-256']!;
    const hex = good.slice('sha256='.length);
    for (const header of [
      good,
      `sha256=${hex.toUpperCase()}`,
      `SHA256=${hex}`,
      hex,
      `sha256=${hex}00`,
      `sha256=${hex.slice(2)}`,
      `sha256=${hex}, ${good}`,
      `sha1=${hex}`,
    ]) {
      const ours = (() => {
        try {
          return !!githubWebhook.verify(request({ ...d, headers: { ...d.headers, 'x-hub-signature-256': header } }, [secret]));
        } catch (err) {
          if (err instanceof WebhookRejected) return false;
          throw err;
        }
      })();
      expect(ours, header).toBe(await octokitVerify(secret, d.body, header));
    }
  });

  it('matches the example in GitHub docs ("Validating webhook deliveries")', async () => {
    const secret = "It's a Secret to Everybody";
    const d = await signDelivery('github', { secret, body: 'Hello, World!' });
    expect(d.headers['x-hub-signature-256']).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    // The signature passes; the body is not JSON, so it is refused as a body, not as a signature.
    expect(rejection(githubWebhook, request(d, [secret]))).toMatchObject({ status: 400, code: 'BODY_INVALID' });
  });

  it('answers the ping sent when a webhook is created, and starts nothing', async () => {
    const secret = webhookSecret('github');
    const d = await signDelivery('github', {
      secret,
      body: JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }),
      event: 'ping',
      eventId: 'd-ping',
    });
    expect(githubWebhook.verify(request(d, [secret]))).toMatchObject({ eventId: 'd-ping', eventType: 'ping', reply: { status: 200 } });
  });

  it('uses the event header alone when the payload has no action', async () => {
    const secret = webhookSecret('github');
    const d = await signDelivery('github', { secret, body: JSON.stringify({ ref: 'refs/heads/main' }), event: 'push', eventId: 'd-push' });
    expect(githubWebhook.verify(request(d, [secret]))).toMatchObject({ eventId: 'd-push', eventType: 'push' });
  });

  it('refuses the legacy SHA-1 header alone', async () => {
    const secret = webhookSecret('github');
    const d = await signDelivery('github', { secret, body: githubIssueEvent() });
    const { 'x-hub-signature-256': sha256, ...rest } = d.headers;
    const sha1 = `sha1=${crypto.createHmac('sha1', secret).update(d.body).digest('hex')}`;
    expect(sha256).toBeDefined();
    expect(rejection(githubWebhook, request({ ...d, headers: { ...rest, 'x-hub-signature': sha1 } }, [secret]))).toMatchObject({
      code: 'SIGNATURE_MISSING',
      message: expect.stringContaining('X-Hub-Signature-256'),
    });
  });
});

describe('slack', () => {
  // Slack's worked example (https://api.slack.com/authentication/verifying-requests-from-slack).
  const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
  const DOC_TIMESTAMP = '1531420618';
  const DOC_BODY =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

  it("verifies Slack's documented example", () => {
    expect(slackSignature(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': DOC_TIMESTAMP, 'x-slack-signature': DOC_SIGNATURE };
    const req = request({ headers, body: DOC_BODY }, [DOC_SECRET], { now: new Date(Number(DOC_TIMESTAMP) * 1000) });
    const delivery = slackWebhook.verify(req);
    expect(delivery).toMatchObject({ eventType: 'slash_command', payload: { command: '/webhook-collect', user_name: 'roadrunner', text: '' } });
    expect(delivery.eventId).toBe(`sha256:${crypto.createHash('sha256').update(DOC_BODY).digest('hex')}`);
    // The same request years later is a replay.
    expect(rejection(slackWebhook, { ...req, now: NOW }).code).toBe('TIMESTAMP_OUT_OF_RANGE');
  });

  it('answers url_verification with its challenge, and starts nothing', async () => {
    const secret = webhookSecret('slack');
    const d = await signDelivery('slack', { secret, body: slackUrlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P') });
    const delivery = slackWebhook.verify(request(d, [secret]));
    expect(delivery).toMatchObject({
      eventType: 'url_verification',
      reply: { status: 200, body: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' } },
    });
    expect(delivery.eventId).toMatch(/^url_verification:[0-9a-f]{64}$/);
  });

  it('reads interactivity payloads (form with a JSON payload field)', async () => {
    const secret = webhookSecret('slack');
    const d = await signDelivery('slack', { secret, body: slackInteraction({ type: 'block_actions', actions: [{ action_id: 'approve' }] }) });
    expect(d.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(slackWebhook.verify(request(d, [secret]))).toMatchObject({
      eventId: expect.stringMatching(/^sha256:/),
      eventType: 'block_actions',
      payload: { payload: { type: 'block_actions', actions: [{ action_id: 'approve' }] } },
    });
    const broken = await signDelivery('slack', { secret, body: 'payload=%7Bnot-json' });
    expect(rejection(slackWebhook, request(broken, [secret]))).toMatchObject({ status: 400, code: 'BODY_INVALID' });
  });

  it('reads slash commands and refuses forms that were tampered with or re-encoded', async () => {
    const secret = webhookSecret('slack');
    const d = await signDelivery('slack', { secret, body: slackSlashCommand('/deploy', 'web to production') });
    expect(slackWebhook.verify(request(d, [secret]))).toMatchObject({ eventType: 'slash_command', payload: { command: '/deploy', text: 'web to production' } });
    const reencoded = new URLSearchParams(d.body).toString().replace(/\+/g, '%20');
    expect(reencoded).not.toBe(d.body);
    expect(rejection(slackWebhook, request({ ...d, body: reencoded }, [secret])).code).toBe('SIGNATURE_INVALID');
    expect(rejection(slackWebhook, request({ ...d, headers: { ...d.headers, 'content-type': 'multipart/form-data' } }, [secret])).status).toBe(415);
  });

  it('honours toleranceSeconds both ways', async () => {
    const secret = webhookSecret('slack');
    const d = await signDelivery('slack', { secret, body: slackEvent({ type: 'message' }), timestamp: new Date(NOW.getTime() + 90_000) });
    expect(slackWebhook.verify(request(d, [secret])).eventType).toBe('message');
    expect(rejection(slackWebhook, request(d, [secret], { options: { toleranceSeconds: 60 } }))).toMatchObject({
      code: 'TIMESTAMP_OUT_OF_RANGE',
      message: expect.stringMatching(/in the future.*60 s/),
    });
  });
});

describe('standard', () => {
  afterEach(() => vi.useRealTimers());

  it("verifies Svix's documented example, sent with svix-* headers (as Resend sends them)", () => {
    // https://docs.svix.com/receiving/verifying-payloads/how (the library reads the real clock: pin it).
    const at = new Date(1614265330 * 1000);
    vi.useFakeTimers({ now: at, toFake: ['Date'] });
    const headers = {
      'content-type': 'application/json',
      'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'svix-timestamp': '1614265330',
      'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    const req = request({ headers, body: '{"test": 2432232314}' }, ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], { now: at });
    expect(standardWebhook.verify(req)).toEqual({ eventId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', eventType: undefined, payload: { test: 2432232314 } });
  });

  it("accepts any of the sender's signatures while it rotates", async () => {
    const [oldSecret, newSecret] = [webhookSecret('standard'), webhookSecret('standard')];
    const d = await signDelivery('standard', { secret: newSecret, body: standardEvent('email.sent', {}) });
    const other = (
      await signDelivery('standard', {
        secret: oldSecret,
        body: d.body,
        eventId: d.headers['webhook-id']!,
        timestamp: new Date(Number(d.headers['webhook-timestamp']) * 1000),
      })
    ).headers['webhook-signature'];
    const both = { ...d, headers: { ...d.headers, 'webhook-signature': `${other} ${d.headers['webhook-signature']}` } };
    expect(standardWebhook.verify(request(both, [newSecret])).eventType).toBe('email.sent');
    expect(standardWebhook.verify(request(both, [oldSecret])).eventType).toBe('email.sent');
  });

  it('refuses a delivery the library finds out of its window on the real clock, even when req.now agrees', async () => {
    const secret = webhookSecret('standard');
    const signedAt = new Date(NOW.getTime() - 60 * MINUTES_10);
    const d = await signDelivery('standard', { secret, body: standardEvent('email.sent', {}), timestamp: signedAt });
    expect(rejection(standardWebhook, request(d, [secret], { now: signedAt }))).toMatchObject({ status: 401, code: 'TIMESTAMP_OUT_OF_RANGE' });
  });

  it('says so when the secret is not whsec_ + base64', async () => {
    const d = await signDelivery('standard', { secret: webhookSecret('standard'), body: standardEvent('email.sent', {}) });
    expect(rejection(standardWebhook, request(d, ['not base64!']))).toMatchObject({ code: 'SIGNATURE_INVALID', message: expect.stringContaining('whsec_') });
  });
});

describe('hmac', () => {
  const secret = 'shared-secret';
  const body = JSON.stringify({ type: 'order.created', id: 7 });
  const digest = crypto.createHmac('sha256', secret).update(body).digest();
  const verify = (header: string, value: string, options: WebhookRequest['options'] = {}): VerifiedDelivery =>
    hmacWebhook.verify(request({ headers: { 'content-type': 'application/json', [header]: value }, body }, [secret], { options }));

  it('reads the signature from the configured header, as hex, sha256= hex or base64', () => {
    for (const value of [
      digest.toString('hex'),
      `sha256=${digest.toString('hex')}`,
      digest.toString('hex').toUpperCase(),
      digest.toString('base64'),
      digest.toString('base64url'),
    ])
      expect(verify('x-acme-signature', value, { header: 'X-Acme-Signature' }).eventType).toBe('order.created');
  });

  it('signDelivery honours the header option', async () => {
    const d = await signDelivery('hmac', { secret, body, header: 'X-Acme-Signature' });
    expect(hmacWebhook.verify(request(d, [secret], { options: { header: 'x-acme-signature' } })).eventId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rejection(hmacWebhook, request(d, [secret])).code).toBe('SIGNATURE_MISSING');
  });

  it('refuses a signature of the wrong length or alphabet', () => {
    for (const value of [
      '',
      'sha256=',
      digest.subarray(0, 16).toString('hex'),
      `${digest.toString('hex')}00`,
      'zz'.repeat(32),
      `sha1=${digest.toString('hex')}`,
    ]) {
      const req = request({ headers: { 'content-type': 'application/json', 'x-signature': value }, body }, [secret]);
      expect(rejection(hmacWebhook, req).status).toBe(401);
    }
  });
});
