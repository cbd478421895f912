import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore, FileBlobBackend } from '#store/blobs';
import { SecretStore } from '#store/secrets';
import { startTestApi, type TestApi } from '../helpers/api';
import { startHttpPeer } from '../helpers/http-peer';
import { pollUntil } from '../helpers/processes';
import { startTestWorker, testDb, testMasterKey } from '../helpers/temporal';

/**
 * A public webhook endpoint takes a `multipart/form-data` form (a website form with a file, an inbound-mail service's
 * attachments): its text fields become trigger data, its files file references a flow passes on (docs/big-runs.md).
 */
let api: TestApi;
let worker: Awaited<ReturnType<typeof startTestWorker>>;
let storage: Awaited<ReturnType<typeof startHttpPeer>>;
let blobs: BlobStore;
let dir: string;
const taskQueue = `form-files-${crypto.randomUUID()}`;

beforeAll(async () => {
  const db = await testDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-form-files-'));
  blobs = new BlobStore(db, new SecretStore(db, testMasterKey), new FileBlobBackend(dir));
  api = await startTestApi({ taskQueue, db, blobs, fileUploadLimit: '256kb', webhookBodyLimit: '2kb' });
  worker = await startTestWorker({ db, taskQueue, blobs });
  storage = await startHttpPeer((hit) => ({ status: 201, body: { stored: hit.raw.length } }));
  await api.secrets.put(api.workspaceId, 'CAREERS_FORM_TOKEN', { live: 'tok-form-live' });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await storage?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function form(fields: Record<string, string>, files: { field: string; name: string; type: string; bytes: Buffer }[]): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const f of files) body.append(f.field, new Blob([new Uint8Array(f.bytes)], { type: f.type }), f.name);
  return body;
}

describe('a form with files, delivered to a public webhook endpoint', () => {
  it('stores the file, gives the flow its reference and the text fields, and the flow sends the bytes on unchanged', async () => {
    const created = await api.request('POST', '/api/flows', {
      body: {
        name: 'Job application',
        document: {
          trigger: { type: 'webhook', source: 'public', secrets: ['CAREERS_FORM_TOKEN'] },
          nodes: [
            {
              id: 'archive',
              type: 'action',
              action: 'http.request@1',
              inputs: { url: `${storage.url}/resumes`, method: 'PUT', bodyFile: { $expr: 'trigger.data.resume' } },
            },
            { id: 'done', type: 'end', output: { name: { $expr: 'trigger.data.name' }, file: { $expr: 'trigger.data.resume' } } },
          ],
          edges: [
            { from: 'trigger', to: 'archive' },
            { from: 'archive', to: 'done' },
          ],
        },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const url = api.url + published.body.webhook.livePath;

    const resume = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(20_000), Buffer.from('\n%%EOF')]);
    const sent = await fetch(url, {
      method: 'POST',
      headers: { 'x-switchyard-token': 'tok-form-live' },
      body: form({ name: 'Ada Lovelace', role: 'Engineer' }, [{ field: 'resume', name: 'ada-cv.pdf', type: 'application/pdf', bytes: resume }]),
    });
    const answer = (await sent.json()) as { runId: string; deliveryId: string };
    expect(sent.status, JSON.stringify(answer)).toBe(200);
    const run = await pollUntil(
      'the form run to end',
      async () => {
        const r = await api.request('GET', `/api/runs/${answer.runId}`);
        return ['completed', 'failed', 'parked'].includes(r.body.status) ? r.body : undefined;
      },
      30_000,
      200,
    );
    expect(run.status, JSON.stringify(run.nodes)).toBe('completed');
    expect(run.trigger.data).toMatchObject({ name: 'Ada Lovelace', role: 'Engineer', resume: { $blob: { name: 'ada-cv.pdf', mediaType: 'application/pdf', size: resume.length } } });
    const put = storage.hits.find((h) => h.method === 'PUT')!;
    expect(put.headers['content-type']).toBe('application/pdf');
    expect(put.raw.equals(resume)).toBe(true);
    const key = (run.trigger.data as { resume: { $blob: { key: string } } }).resume.$blob.key;
    expect((await blobs.getBytes(api.workspaceId, key)).equals(resume)).toBe(true);

    // The delivery log keeps the fields and what each file was, never the file's bytes.
    const detail = await api.request('GET', `/api/webhooks/deliveries/${answer.deliveryId}`);
    expect(JSON.parse(detail.body.body)).toEqual({ name: 'Ada Lovelace', role: 'Engineer', resume: { file: 'ada-cv.pdf', mediaType: 'application/pdf', size: resume.length } });
  }, 60_000);

  it('refuses a form without the token, with too many files, or over the upload limit, and stores nothing then', async () => {
    const created = await api.request('POST', '/api/flows', {
      body: {
        name: 'Uploads',
        document: { trigger: { type: 'webhook', source: 'public', secrets: ['CAREERS_FORM_TOKEN'] }, nodes: [{ id: 'done', type: 'end' }], edges: [{ from: 'trigger', to: 'done' }] },
      },
    });
    const published = await api.request('POST', `/api/flows/${created.body.id}/publish`, { body: {} });
    const url = api.url + published.body.webhook.livePath;
    const small = { field: 'f', name: 'a.txt', type: 'text/plain', bytes: Buffer.from('hello') };
    const before = await blobs.usedBytes(api.workspaceId);

    const noToken = await fetch(url, { method: 'POST', body: form({}, [small]) });
    expect(noToken.status).toBe(401);
    const many = await fetch(url, { method: 'POST', headers: { 'x-switchyard-token': 'tok-form-live' }, body: form({}, Array.from({ length: 21 }, () => small)) });
    expect(many.status).toBe(413);
    expect(((await many.json()) as { error: { message: string } }).error.message).toMatch(/at most 20 files/);
    const big = await fetch(url, {
      method: 'POST',
      headers: { 'x-switchyard-token': 'tok-form-live' },
      body: form({}, [{ ...small, bytes: crypto.randomBytes(300 * 1024) }]),
    });
    expect(big.status).toBe(413);
    const broken = await fetch(url, {
      method: 'POST',
      headers: { 'x-switchyard-token': 'tok-form-live', 'content-type': 'multipart/form-data; boundary=nope' },
      body: 'not a form at all',
    });
    expect(broken.status).toBe(400);
    expect(await blobs.usedBytes(api.workspaceId)).toBe(before);
  }, 60_000);
});
