import crypto from 'node:crypto';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RetryPolicy, RunMode } from '#core/catalog-sdk';
import { NonRetryableError, RetryableError } from '#core/errors';
import type { RunState } from '#core/run';
import type { Db } from '#store/database';
import { expectRunError, type FlowRunner, runNodes, startFlowRunner, testConnection as runTestConnection } from '../../test/helpers/flows';
import { startTestWorker, testDb } from '../../test/helpers/temporal';
import { createWorkspaces } from '../../test/helpers/workspaces';
import { startOpenAIPeer, type OpenAIPeer } from '../../test/peers/openai-peer';
import { toActionError } from './client';
import openai from './index';
import { creditsFor, defaultModelPrice, priceFor } from './pricing';
import { placeholderFor } from './sandbox';

const LIVE_KEY = `sk-proj-live${crypto.randomBytes(12).toString('hex')}`;
const TEST_KEY = `sk-proj-test${crypto.randomBytes(12).toString('hex')}`;
const WRONG_KEY = `sk-proj-wrong${crypto.randomBytes(12).toString('hex')}`;

let db: Db;
let peer: OpenAIPeer;
/** Its worker is started with `endpoints.openai` pointing at the peer. */
let runner: FlowRunner;
/** Started without an endpoint override: only the workspace's OPENAI_BASE_URL setting can lead it to the peer. */
let plainWorker: Awaited<ReturnType<typeof startTestWorker>>;
const ws = { main: '', liveOnly: '', empty: '', wrongKey: '', setting: '', deadSetting: '' };

beforeAll(async () => {
  db = await testDb();
  peer = await startOpenAIPeer({ keys: [LIVE_KEY, TEST_KEY] });
  await createWorkspaces(db, ws, {
    main: { OPENAI_API_KEY: { live: LIVE_KEY, test: TEST_KEY } },
    liveOnly: { OPENAI_API_KEY: { live: LIVE_KEY } },
    wrongKey: { OPENAI_API_KEY: { live: WRONG_KEY, test: WRONG_KEY } },
    setting: { OPENAI_API_KEY: { live: LIVE_KEY }, OPENAI_BASE_URL: { live: peer.baseUrl } },
    // Nothing listens on port 9 of 127.0.0.1: reaching it would fail the run.
    deadSetting: { OPENAI_API_KEY: { live: LIVE_KEY }, OPENAI_BASE_URL: { live: 'http://127.0.0.1:9/v1' } },
  });
  [runner, plainWorker] = await Promise.all([
    startFlowRunner({ db, integrations: [openai], endpoints: { openai: peer.baseUrl } }),
    startTestWorker({ db, integrations: [openai] }),
  ]);
});

afterAll(async () => {
  await Promise.all([runner?.stop(), plainWorker?.stop()]);
  await peer?.close();
});

beforeEach(() => peer.reset());

const ACTION = 'openai.chat-completion@1';
const hello = { messages: [{ role: 'user', content: 'Say hello to Ada' }] };
const fastRetry: RetryPolicy = { initialInterval: '100ms', maximumAttempts: 3 };

/** Runs a flow of one chat-completion node (on `o.on`, default the runner's worker, the one with the endpoint override). */
function runChat(o: { workspaceId: string; inputs: Record<string, unknown>; mode?: RunMode; on?: { taskQueue: string } }): Promise<RunState> {
  const chat = { id: 'chat', type: 'action', action: ACTION, inputs: o.inputs, retry: fastRetry };
  return runNodes(runner.client, (o.on ?? runner).taskQueue, [chat], { mode: o.mode ?? 'live', workspaceId: o.workspaceId, flowId: 'flw_openai' });
}

/** Runs a flow that must fail; returns the run's error (message, type, status). */
const runChatFailure = (o: Parameters<typeof runChat>[0]) => expectRunError(runChat(o));

const testConnection = (workspaceId: string, mode: RunMode) => runTestConnection(runner.client, runner.taskQueue, { workspaceId, integration: 'openai', mode });

/** Counts the peer's requests during `fn`. */
async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; hits: number }> {
  const before = peer.hits.length;
  const result = await fn();
  return { result, hits: peer.hits.length - before };
}

describe('openai.chat-completion (real Temporal dev server, local OpenAI peer)', () => {
  it('live mode sends the live key and returns the reply with the peer’s token usage', async () => {
    peer.script({ reply: { content: 'Hello, Ada!', model: 'gpt-4o-mini-2024-07-18', usage: { prompt_tokens: 123, completion_tokens: 45 } } });
    const before = peer.chatRequests().length;
    const state = await runChat({ workspaceId: ws.main, inputs: { ...hello, temperature: 0.2, maxTokens: 50 } });
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(state.nodes.chat!.simulated).toBeUndefined();
    expect(state.nodes.chat!.output).toEqual({
      content: 'Hello, Ada!',
      finishReason: 'stop',
      model: 'gpt-4o-mini-2024-07-18',
      usage: { promptTokens: 123, completionTokens: 45, totalTokens: 168 },
    });
    const requests = peer.chatRequests().slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.authorization).toBe(`Bearer ${LIVE_KEY}`);
    // A compatible server (not api.openai.com) gets max_tokens, the field every such server knows.
    expect(requests[0]!.body).toMatchObject({ model: 'gpt-4o-mini', messages: hello.messages, temperature: 0.2, max_tokens: 50 });
    expect(requests[0]!.body).not.toHaveProperty('max_completion_tokens');
    expect(requests[0]!.body).not.toHaveProperty('response_format');
  });

  it('test mode sends the test key and never the live key', async () => {
    const before = peer.hits.length;
    const state = await runChat({ workspaceId: ws.main, mode: 'test', inputs: hello });
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', output: { content: 'echo: Say hello to Ada' } });
    expect(state.nodes.chat!.simulated).toBeUndefined();
    const hits = peer.hits.slice(before);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
    expect(JSON.stringify(hits)).not.toContain(LIVE_KEY);
  });

  it('test mode without a test key runs the sandbox: simulated, no request, 0 tokens', async () => {
    const { result: state, hits } = await counting(() => runChat({ workspaceId: ws.liveOnly, mode: 'test', inputs: { ...hello, model: 'gpt-4.1' } }));
    expect(hits).toBe(0);
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', simulated: true });
    expect(state.nodes.chat!.output).toEqual({
      content: '[simulated] A reply from gpt-4.1 to: "Say hello to Ada"',
      finishReason: 'stop',
      model: 'gpt-4.1',
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    });
  });

  it('the sandbox answers a json_schema request with an object of the required properties', async () => {
    const schema = {
      type: 'object',
      properties: {
        label: { type: 'string', enum: ['bug', 'feature', 'praise'] },
        confidence: { type: 'number' },
        tags: { type: 'array', items: { type: 'string' } },
        urgent: { type: 'boolean' },
        owner: { $ref: '#/$defs/person' },
        note: { type: 'string' },
      },
      required: ['label', 'confidence', 'tags', 'urgent', 'owner'],
      $defs: { person: { type: 'object', properties: { name: { type: 'string' }, age: { type: ['integer', 'null'] } }, required: ['name', 'age'] } },
    };
    const { result: state, hits } = await counting(() =>
      runChat({ workspaceId: ws.liveOnly, mode: 'test', inputs: { ...hello, responseFormat: { type: 'json_schema', name: 'triage', schema, strict: true } } }),
    );
    expect(hits).toBe(0);
    const json = { label: 'bug', confidence: 0, tags: [], urgent: false, owner: { name: 'simulated', age: 0 } };
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', simulated: true, output: { json, content: JSON.stringify(json) } });
  });

  it('parses structured output into json and sends OpenAI’s response_format shape', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string' }, seats: { type: 'integer' } },
      required: ['name', 'seats'],
      additionalProperties: false,
    };
    peer.script({ reply: { json: { name: 'Ada', seats: 3 }, usage: { prompt_tokens: 40, completion_tokens: 9 } } });
    const before = peer.chatRequests().length;
    const state = await runChat({ workspaceId: ws.main, inputs: { ...hello, responseFormat: { type: 'json_schema', name: 'account', schema, strict: true } } });
    expect(state.nodes.chat!.output).toMatchObject({
      content: '{"name":"Ada","seats":3}',
      json: { name: 'Ada', seats: 3 },
      usage: { promptTokens: 40, completionTokens: 9, totalTokens: 49 },
    });
    expect(peer.chatRequests()[before]!.body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'account', schema, strict: true } });
  });

  it('fails without retrying when the model returns invalid JSON for a strict schema', async () => {
    peer.script({ reply: { content: '{"name": "Ada", "seats"', finishReason: 'length' } });
    const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
    const { result: error, hits } = await counting(() =>
      runChatFailure({ workspaceId: ws.main, inputs: { ...hello, responseFormat: { type: 'json_schema', name: 'account', schema, strict: true } } }),
    );
    expect(hits).toBe(1);
    expect(error.type).toBe('NonRetryable');
    expect(error.message).toMatch(/not valid JSON for the strict schema "account".*token limit/);
  });

  it('returns the text without json when a non-strict JSON reply does not parse', async () => {
    peer.script({ reply: { content: 'Sure! Here it is: {name: Ada}' } });
    const state = await runChat({
      workspaceId: ws.main,
      inputs: { ...hello, responseFormat: { type: 'json_schema', name: 'account', schema: { type: 'object' } } },
    });
    expect(state.nodes.chat!.output).toMatchObject({ content: 'Sure! Here it is: {name: Ada}' });
    expect(state.nodes.chat!.output).not.toHaveProperty('json');
  });

  it('fails the run on a 4xx after exactly one attempt, with OpenAI’s message', async () => {
    peer.script({ error: { status: 400, message: "Invalid value for 'model': 'gpt-nope' does not exist.", param: 'model', code: 'model_not_found' } });
    const { result: error, hits } = await counting(() => runChatFailure({ workspaceId: ws.main, inputs: { ...hello, model: 'gpt-nope' } }));
    expect(hits).toBe(1);
    expect(error).toMatchObject({ type: 'NonRetryable', status: 400 });
    expect(error.message).toContain("answered 400: Invalid value for 'model': 'gpt-nope' does not exist. (model_not_found)");
  });

  it('fails after one attempt when the key is wrong (401), without echoing the key', async () => {
    const { result: error, hits } = await counting(() => runChatFailure({ workspaceId: ws.wrongKey, inputs: hello }));
    expect(hits).toBe(1);
    expect(error).toMatchObject({ type: 'NonRetryable', status: 401 });
    expect(error.message).toMatch(/Incorrect API key provided/);
    expect(error.message).not.toContain(WRONG_KEY);
  });

  it('retries a 5xx and succeeds on the next attempt', async () => {
    peer.script(
      { error: { status: 500, message: 'The server had an error while processing your request. Sorry about that!' } },
      { reply: { content: 'recovered' } },
    );
    const { result: state, hits } = await counting(() => runChat({ workspaceId: ws.main, inputs: hello }));
    expect(hits).toBe(2);
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', attempts: 2, output: { content: 'recovered' } });
  });

  it('retries a 429 after the Retry-After delay', async () => {
    peer.script(
      {
        error: {
          status: 429,
          message: 'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.',
          code: 'rate_limit_exceeded',
          headers: { 'retry-after': '1' },
        },
      },
      { reply: { content: 'after the wait' } },
    );
    const before = peer.chatRequests().length;
    const state = await runChat({ workspaceId: ws.main, inputs: hello });
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', attempts: 2, output: { content: 'after the wait' } });
    const [first, second] = peer.chatRequests().slice(before);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
  });

  it('prefers OpenAI’s retry-after-ms header, and the wait is really the header’s', async () => {
    // The dev server fires retry timers with about one second of granularity, so a 1 s Retry-After alone
    // cannot be told apart from the node's 100 ms backoff: 2 s can.
    peer.script(
      {
        error: {
          status: 429,
          message: 'Rate limit reached for gpt-4o-mini on tokens per min (TPM).',
          code: 'rate_limit_exceeded',
          headers: { 'retry-after-ms': '2000', 'retry-after': '1' },
        },
      },
      { reply: { content: 'after two seconds' } },
    );
    const before = peer.chatRequests().length;
    const state = await runChat({ workspaceId: ws.main, inputs: hello });
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', attempts: 2 });
    const [first, second] = peer.chatRequests().slice(before);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1950);
  });

  it('fails before any request when the API key is missing, naming the secret', async () => {
    const { result: error, hits } = await counting(() => runChatFailure({ workspaceId: ws.empty, inputs: hello }));
    expect(hits).toBe(0);
    expect(error.type).toBe('NonRetryable');
    expect(error.message).toMatch(/Secret OPENAI_API_KEY has no live value/);
    expect(error.message).toContain('https://platform.openai.com/api-keys');
  });

  it('refuses invalid input, naming the field, before any request', async () => {
    const { result: empty, hits } = await counting(() => runChatFailure({ workspaceId: ws.main, inputs: { messages: [] } }));
    expect(hits).toBe(0);
    expect(empty.type).toBe('InvalidInput');
    expect(empty.message).toMatch(/invalid input: messages:/);
    const badRole = await runChatFailure({ workspaceId: ws.main, inputs: { messages: [{ role: 'robot', content: 'hi' }] } });
    expect(badRole.message).toMatch(/messages\.0\.role/);
    const badTemperature = await runChatFailure({ workspaceId: ws.main, inputs: { ...hello, temperature: 3 } });
    expect(badTemperature.message).toMatch(/temperature/);
  });

  it('honours the OPENAI_BASE_URL setting when the worker has no endpoint override', async () => {
    const before = peer.chatRequests().length;
    const state = await runChat({ workspaceId: ws.setting, inputs: hello, on: plainWorker });
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', output: { content: 'echo: Say hello to Ada' } });
    const requests = peer.chatRequests().slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.authorization).toBe(`Bearer ${LIVE_KEY}`);
  });

  it('prefers the endpoint override to the OPENAI_BASE_URL setting', async () => {
    const { result: state, hits } = await counting(() => runChat({ workspaceId: ws.deadSetting, inputs: hello }));
    expect(hits).toBe(1);
    expect(state.nodes.chat).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe('openai testConnection', () => {
  it('is ok with good credentials in live and test mode', async () => {
    const before = peer.hits.length;
    expect(await testConnection(ws.main, 'live')).toEqual({ ok: true, detail: 'The key works: 3 models available' });
    expect(await testConnection(ws.main, 'test')).toMatchObject({ ok: true });
    const hits = peer.hits.slice(before);
    expect(hits.map((h) => [h.method, h.path, h.headers.authorization])).toEqual([
      ['GET', '/v1/models', `Bearer ${LIVE_KEY}`],
      ['GET', '/v1/models', `Bearer ${TEST_KEY}`],
    ]);
  });

  it('is not ok with a wrong key, and says why', async () => {
    const result = await testConnection(ws.wrongKey, 'live');
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ error: expect.stringMatching(/answered 401: Incorrect API key provided/) });
    expect(JSON.stringify(result)).not.toContain(WRONG_KEY);
  });

  it('is not ok without a key, naming the secret', async () => {
    expect(await testConnection(ws.empty, 'live')).toMatchObject({ ok: false, error: expect.stringMatching(/OPENAI_API_KEY/) });
  });
});

describe('openai pricing', () => {
  it('charges prompt and completion tokens at the model’s price, rounded up', () => {
    // gpt-4o: 2.5 credits per 1k prompt tokens, 10 per 1k completion tokens.
    expect(creditsFor('gpt-4o', { promptTokens: 1000, completionTokens: 500 })).toBe(8);
    expect(creditsFor('gpt-4o', { promptTokens: 2000, completionTokens: 1000 })).toBe(15);
    // gpt-4o-mini: 0.15 + 0.6; 20k prompt tokens are exactly 3 credits despite binary rounding noise.
    expect(creditsFor('gpt-4o-mini', { promptTokens: 20_000, completionTokens: 0 })).toBe(3);
    expect(creditsFor('gpt-4o-mini', { promptTokens: 100_000, completionTokens: 10_000 })).toBe(21);
  });

  it('never charges less than one credit per call', () => {
    expect(creditsFor('gpt-4o-mini', { promptTokens: 12, completionTokens: 5 })).toBe(1);
    expect(creditsFor('gpt-4o-mini', { promptTokens: 0, completionTokens: 0 })).toBe(1);
    expect(creditsFor('gpt-4o-mini', { promptTokens: -5, completionTokens: Number.NaN })).toBe(1);
  });

  it('prices dated snapshots as their family, longest prefix first', () => {
    expect(priceFor('gpt-4o-mini-2024-07-18')).toEqual(priceFor('gpt-4o-mini'));
    expect(priceFor('gpt-4o-2024-08-06')).toEqual(priceFor('gpt-4o'));
    expect(priceFor('o3-mini-2025-01-31')).toEqual({ inputPer1k: 1.1, outputPer1k: 4.4 });
    expect(priceFor('GPT-4.1-nano')).toEqual({ inputPer1k: 0.1, outputPer1k: 0.4 });
    // A prefix must end at a dash: gpt-4o-mini is not "gpt-4" + "o-mini", and o3x is not o3.
    expect(priceFor('o3x')).toBe(defaultModelPrice);
  });

  it('uses the default price for unknown models', () => {
    expect(priceFor('llama3.2:3b')).toBe(defaultModelPrice);
    expect(creditsFor('llama3.2:3b', { promptTokens: 1000, completionTokens: 1000 })).toBe(13);
  });
});

describe('openai error mapping', () => {
  const apiError = (status: number, headers: Record<string, string> = {}) =>
    APIError.generate(
      status,
      { error: { message: `problem ${status}`, type: 'invalid_request_error', param: null, code: `code_${status}` } },
      undefined,
      new Headers(headers),
    );

  it('maps 400/401/403/404/422 to non-retryable errors with OpenAI’s message, status and code', () => {
    for (const status of [400, 401, 403, 404, 422]) {
      const err = toActionError(apiError(status), 'OpenAI POST /chat/completions');
      expect(err).toBeInstanceOf(NonRetryableError);
      expect(err.message).toBe(`OpenAI POST /chat/completions answered ${status}: problem ${status} (code_${status})`);
      expect((err as NonRetryableError).options).toEqual({ status, code: `code_${status}` });
    }
  });

  it('maps 408/409/429/5xx to retryable errors, with the wait from retry-after-ms or retry-after', () => {
    for (const status of [408, 409, 429, 500, 503]) expect(toActionError(apiError(status), 'x')).toBeInstanceOf(RetryableError);
    expect((toActionError(apiError(429, { 'retry-after': '7' }), 'x') as RetryableError).options.retryAfterMs).toBe(7000);
    expect((toActionError(apiError(429, { 'retry-after-ms': '250.5', 'retry-after': '7' }), 'x') as RetryableError).options.retryAfterMs).toBe(251);
    const date = new Date(Date.now() + 60_000).toUTCString();
    expect((toActionError(apiError(503, { 'retry-after': date }), 'x') as RetryableError).options.retryAfterMs).toBeGreaterThan(55_000);
    expect((toActionError(apiError(503), 'x') as RetryableError).options.retryAfterMs).toBeUndefined();
  });

  it('keeps the guarded client’s typed errors and retries plain connection failures and timeouts', () => {
    const blocked = new NonRetryableError('Blocked request to 10.0.0.1', { code: 'ADDRESS_BLOCKED' });
    expect(toActionError(new APIConnectionError({ cause: blocked }), 'x')).toBe(blocked);
    const refused = toActionError(new APIConnectionError({ cause: new Error('connect ECONNREFUSED 127.0.0.1:9') }), 'OpenAI');
    expect(refused).toBeInstanceOf(RetryableError);
    expect(refused.message).toBe('Could not reach OpenAI: connect ECONNREFUSED 127.0.0.1:9');
    expect(toActionError(new APIConnectionTimeoutError(), 'x')).toBeInstanceOf(RetryableError);
  });
});

describe('openai sandbox placeholders', () => {
  it('builds the smallest value of each JSON Schema type', () => {
    expect(placeholderFor({ type: 'string', format: 'date-time' })).toBe('2000-01-01T00:00:00Z');
    expect(placeholderFor({ type: 'integer', minimum: 2.5 })).toBe(3);
    expect(placeholderFor({ type: 'array', items: { type: 'number' }, minItems: 2 })).toEqual([0, 0]);
    expect(placeholderFor({ anyOf: [{ type: 'null' }, { type: 'boolean' }] })).toBe(false);
    expect(placeholderFor({ const: 'fixed' })).toBe('fixed');
    expect(placeholderFor({ type: 'object', properties: { a: { type: 'string' } } })).toEqual({});
  });
});
