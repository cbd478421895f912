import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestInput, request } from '#catalog/http/actions/request.action';
import { createGuardedHttpClient } from '#core/net/guarded-http';
import { testActionContext } from '../helpers/action-context';
import { startTestApi, type TestApi } from '../helpers/api';
import { startHttpPeer, type Hit } from '../helpers/http-peer';

interface Line {
  from: string;
  command: string;
  env?: Record<string, string>;
  secrets: string[];
}

const lines: Line[] = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'curl-lines.json'), 'utf8'));
/** Headers a client adds of its own accord; every other one curl sent must be sent the same. */
const INCIDENTAL = new Set(['host', 'user-agent', 'accept', 'content-length', 'connection', 'expect', 'accept-encoding', 'content-type']);

/**
 * cURL lines from providers' docs (continuations, -u, -H, -d, --data-raw, --data-urlencode, --json, -F, -G, query keys)
 * become HTTP request steps whose requests match what curl itself sends: both go to one local server, curl run by bash.
 */
describe('cURL import: real command lines', () => {
  let api: TestApi;
  let peer: Awaited<ReturnType<typeof startHttpPeer>>;
  const hits: Hit[] = [];
  const client = createGuardedHttpClient({ allow: ['127.0.0.0/8'] });

  beforeAll(async () => {
    peer = await startHttpPeer((hit) => {
      hits.push(hit);
      return { body: { ok: true } };
    });
    api = await startTestApi({ taskQueue: `curl-${crypto.randomUUID()}` });
  });
  afterAll(async () => {
    await client.close();
    await api?.close();
    await peer?.close();
  });

  it('has at least 15 lines from provider docs', () => {
    expect(lines.length).toBeGreaterThanOrEqual(15);
  });

  it.each(lines.map((l) => [l.from, l] as const))('%s', async (_name, line) => {
    // Imported as pasted: the step calls the provider, and its credentials are secrets, not inputs.
    const imported = await api.request('POST', '/api/integrations/import/curl', { body: { command: line.command } });
    expect(imported.status, JSON.stringify(imported.body)).toBe(200);
    expect(imported.body.secrets.map((s: { name: string }) => s.name)).toEqual(line.secrets);
    const inputsText = JSON.stringify(imported.body.node.inputs);
    for (const value of secretValues(line)) expect(inputsText, `the secret ${value} stays out of the step`).not.toContain(value);
    expect(JSON.stringify(imported.body)).not.toMatch(
      /sk_test_26PHem|re_123456789|xoxb-1234|your_auth_token|key-3ax6|server-token-1234|shpat_|k_live_abc|abc123secret/,
    );

    // The same line pointed at the local server: what curl sends, and what the step sends.
    const local = line.command.replace(/https:\/\/[a-z0-9.-]+/gi, peer.url);
    const step = await api.request('POST', '/api/integrations/import/curl', { key: api.keys.test, body: { command: local } });
    hits.length = 0;
    // Asynchronously: the local server answering curl runs in this process.
    const curl = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('bash', ['-c', `${local} -s -S -o /dev/null`], { env: { PATH: process.env.PATH, ...line.env }, timeout: 20_000 }, (err, _out, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(curl.code, curl.stderr).toBe(0);
    const secrets: Record<string, string> = {};
    for (const s of step.body.secrets as { name: string; saved: string | null }[]) {
      secrets[s.name] = (await api.secrets.resolve(api.workspaceId, s.name, 'test')) ?? line.env?.[s.name] ?? '';
    }
    await request.run(HttpRequestInput.parse(step.body.node.inputs), testActionContext({ http: client, secrets }));
    expect(hits).toHaveLength(2);
    const [byCurl, byStep] = hits as [Hit, Hit];
    expect(byStep.method).toBe(byCurl.method);
    expect(pathAndQuery(byStep.path)).toEqual(pathAndQuery(byCurl.path));
    for (const [name, value] of Object.entries(byCurl.headers)) {
      if (!INCIDENTAL.has(name)) expect(byStep.headers[name], `header ${name}`).toBe(value);
    }
    expect(mediaType(byStep.headers['content-type'])).toBe(mediaType(byCurl.headers['content-type']));
    expect(bodyOf(byStep)).toEqual(bodyOf(byCurl));
  });

  it('refuses what is not a cURL command, or a method the HTTP action cannot send, with 422', async () => {
    const bad = await api.request('POST', '/api/integrations/import/curl', { body: { command: 'curl -X TRACE https://example.com' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toMatch(/cannot send TRACE/);
    const notCurl = await api.request('POST', '/api/integrations/import/curl', { body: { command: 'wget https://example.com' } });
    expect(notCurl.status).toBe(422);
    // Hostile or broken lines: a clear 422, never a 500, and no secret saved.
    const before = (await api.request('GET', '/api/secrets')).body.secrets.length;
    for (const command of ['curl http://[', 'curl ftp://example.com/file -u user:pw', 'curl "unterminated', 'curl', `curl -X GET ${'a'.repeat(90_000)}`]) {
      const res = await api.request('POST', '/api/integrations/import/curl', { body: { command } });
      expect(res.status, command.slice(0, 40)).toBe(422);
    }
    expect((await api.request('POST', '/api/integrations/import/curl', { body: { command: 12 } })).status).toBe(400);
    expect((await api.request('GET', '/api/secrets')).body.secrets.length).toBe(before);
  });
});

function secretValues(line: Line): string[] {
  return [...line.command.matchAll(/(sk_test_\w+|re_\d+|xoxb-[\w-]+|your_auth_token|key-\w+|server-token-\d+|shpat_\w+|k_live_\w+|abc123secret|ghp_\w+)/g)].map(
    (m) => m[1]!,
  );
}

function pathAndQuery(p: string): { path: string; query: string[] } {
  const url = new URL(p, 'http://x');
  return { path: url.pathname, query: [...url.searchParams].map(([k, v]) => `${k}=${v}`).sort() };
}

function mediaType(value: string | string[] | undefined): string {
  return String(value ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
}

/** JSON compared parsed, a form field by field (a multipart boundary is the client's own), anything else as sent. */
function bodyOf(hit: Hit): unknown {
  const type = String(hit.headers['content-type'] ?? '');
  if (!hit.body) return '';
  if (/json/.test(type)) return JSON.parse(hit.body) as unknown;
  if (/x-www-form-urlencoded/.test(type)) return [...new URLSearchParams(hit.body)].sort();
  if (/multipart\/form-data/.test(type)) {
    const boundary = type.match(/boundary=(.+)$/)![1]!;
    return hit.body
      .split(`--${boundary}`)
      .map((part) => part.match(/name="([^"]+)"[\s\S]*?\r\n\r\n([\s\S]*)\r\n$/))
      .filter((m): m is RegExpMatchArray => m !== null)
      .map((m) => [m[1], m[2]])
      .sort();
  }
  return hit.body;
}
