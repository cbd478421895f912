import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/api';
import { startHttpPeer, type Hit } from '../helpers/http-peer';
import { freePort } from '../helpers/ports';

/**
 * The assistant with a model: a local OpenAI-compatible server answers scripted completions, reached through the real
 * `openai` client. A refused answer goes back for repair (at most 3 times); every call is charged in AI credits.
 */
describe('POST /api/assistant with a model (SWITCHYARD_LLM_*)', () => {
  let api: TestApi;
  let model: Awaited<ReturnType<typeof startHttpPeer>>;
  let script: string[] = [];
  const calls: Hit[] = [];

  const completion = (content: string) => ({
    id: `chatcmpl-${crypto.randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 },
  });
  const draft = (action: string) =>
    JSON.stringify({
      kind: 'draft',
      explanation: 'Posts every new signup to #sales.',
      draft: {
        schemaVersion: 1,
        trigger: { type: 'event', event: 'user.signed_up' },
        nodes: [{ id: 'post', type: 'action', action, inputs: { channel: '#sales', text: { $expr: 'trigger.data.email' } } }],
        edges: [{ from: 'trigger', to: 'post' }],
      },
    });

  beforeAll(async () => {
    model = await startHttpPeer((hit) => {
      if (hit.method !== 'POST' || !hit.path.endsWith('/chat/completions')) return { status: 404, body: { error: { message: 'not found' } } };
      calls.push(hit);
      const next = script.shift();
      return next === undefined ? { status: 500, body: { error: { message: 'the script ran out' } } } : { body: completion(next) };
    });
    api = await startTestApi({ taskQueue: `model-${crypto.randomUUID()}`, llm: { baseUrl: `${model.url}/v1`, apiKey: 'sk-test-local', model: 'gpt-4o-mini' } });
  });
  afterAll(async () => {
    await api?.close();
    await model?.close();
  });

  const ask = (prompt: string) => api.request('POST', '/api/assistant', { body: { prompt } });
  const charges = () => api.db.selectFrom('credit_ledger').select(['credits', 'integration', 'action']).where('integration', '=', 'assistant').execute();

  it('repairs a schema-invalid answer: the problems go back to the model, the second answer is the draft', async () => {
    calls.length = 0;
    script = [draft('slack.post-a-message@1'), draft('slack.post-message@1')];
    const res = await ask('Post new signups to #sales');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'draft',
      explanation: 'Posts every new signup to #sales.',
      draft: { nodes: [{ action: 'slack.post-message@1' }] },
      missing: { integrations: [{ key: 'slack' }] },
    });
    expect(calls).toHaveLength(2);
    const first = JSON.parse(calls[0]!.body) as { model: string; messages: { role: string; content: string }[]; response_format: { type: string } };
    expect(first.model).toBe('gpt-4o-mini');
    expect(first.response_format.type).toBe('json_schema');
    expect(first.messages[0]!.content).toContain('slack.post-message@1');
    const second = JSON.parse(calls[1]!.body) as { messages: { role: string; content: string }[] };
    expect(second.messages.at(-1)!.content).toMatch(/That answer was refused:[\s\S]*slack\.post-a-message@1/);
    // Both calls are charged as AI usage, like the OpenAI action (1,200 + 300 tokens of gpt-4o-mini each).
    expect(await charges()).toHaveLength(2);
  });

  it('gives up after 3 repairs with the problems, and no draft', async () => {
    calls.length = 0;
    script = Array.from({ length: 4 }, () => '{"kind":"draft","explanation":"x","draft":{"trigger":{"type":"nope"}}}');
    const res = await ask('Post new signups to #sales');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ kind: 'unsupported', message: expect.stringMatching(/still had problems after 3 repairs.*trigger/) });
    expect(calls).toHaveLength(4);
  });

  it('passes a question through, and a model that fails is a 502 naming it', async () => {
    script = ['{"kind":"question","question":"Which Slack channel?"}'];
    expect((await ask('Post new signups to Slack')).body).toEqual({ kind: 'question', question: 'Which Slack channel?' });
    script = [];
    const down = await ask('Post new signups to #sales');
    expect(down.status).toBe(502);
    expect(down.body.error).toMatchObject({ code: 'MODEL_UNAVAILABLE', message: expect.stringContaining(model.url) });
  });

  it('a model that cannot be reached is a 502 too', async () => {
    const gone = await startTestApi({
      taskQueue: `model-gone-${crypto.randomUUID()}`,
      llm: { baseUrl: `http://127.0.0.1:${await freePort()}/v1`, apiKey: 'x', model: 'gpt-4o-mini' },
    });
    try {
      const res = await gone.request('POST', '/api/assistant', { body: { prompt: 'Post new signups to #sales' } });
      expect(res.status).toBe(502);
    } finally {
      await gone.close();
    }
  });
});
