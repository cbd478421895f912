import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore, FileBlobBackend, setWorkspaceLimits } from '#store/blobs';
import { claimRun } from '#store/runs.repository';
import { SecretStore } from '#store/secrets';
import { startTestApi, type TestApi } from '../helpers/api';
import { testDb, testMasterKey } from '../helpers/temporal';

/** POST /v1/files (docs/big-runs.md): an app uploads a file and gets the reference a flow takes. */
let api: TestApi;
let blobs: BlobStore;
let dir: string;

/** A short silent WAV (44-byte header + 1,600 samples of 16-bit mono at 16 kHz: 0.1 s). */
function wav(samples = 1600): Buffer {
  const data = Buffer.alloc(samples * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(32000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

beforeAll(async () => {
  const db = await testDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-files-'));
  blobs = new BlobStore(db, new SecretStore(db, testMasterKey), new FileBlobBackend(dir));
  api = await startTestApi({ taskQueue: `files-${crypto.randomUUID()}`, db, blobs, fileUploadLimit: '64kb' });
});

afterAll(async () => {
  await api?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const upload = (body: Buffer, contentType: string | undefined, name = 'interview.wav') =>
  fetch(`${api.url}/v1/files?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.keys.live}`, ...(contentType ? { 'content-type': contentType } : {}) },
    body: new Uint8Array(body),
  });

describe('POST /v1/files', () => {
  it('stores a WAV file (encrypted) and answers the reference a flow takes', async () => {
    const bytes = wav();
    const res = await upload(bytes, 'audio/wav');
    expect(res.status).toBe(201);
    const { file } = (await res.json()) as { file: { $blob: { key: string; size: number; mediaType: string; name: string; preview: string } } };
    expect(file.$blob).toMatchObject({ size: bytes.length, mediaType: 'audio/wav', name: 'interview.wav', preview: '' });
    expect((await blobs.getBytes(api.workspaceId, file.$blob.key)).equals(bytes)).toBe(true);
    const onDisk = fs.readFileSync(path.join(dir, api.workspaceId, file.$blob.key));
    expect(onDisk.includes(bytes.subarray(0, 16))).toBe(false);
  });

  it('refuses a media type files may not have (415), an empty body (400), a bad name (400), a body over the limit (413)', async () => {
    const wrong = await upload(Buffer.from('<html>'), 'text/html');
    expect(wrong.status).toBe(415);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toMatch(/Content-Type must be one of audio\/wav.*got "text\/html"/);
    expect((await upload(Buffer.alloc(0), 'audio/wav')).status).toBe(400);
    expect((await upload(wav(), 'audio/wav', '../etc/passwd')).status).toBe(400);
    expect((await upload(Buffer.alloc(70 * 1024), 'application/octet-stream')).status).toBe(413);
  });

  it('refuses a file over the workspace’s blob size limit, naming it, and stores nothing', async () => {
    await setWorkspaceLimits(api.db, api.workspaceId, { maxBlobBytes: 1000 });
    const before = await blobs.usedBytes(api.workspaceId);
    const res = await upload(wav(), 'audio/wav');
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { message: string; details: { limit: string } } };
    expect(body.error.message).toMatch(/blob size limit \(maxBlobBytes = 1000\)/);
    expect(body.error.details.limit).toBe('maxBlobBytes');
    expect(await blobs.usedBytes(api.workspaceId)).toBe(before);
    await setWorkspaceLimits(api.db, api.workspaceId, {});
  });
});

describe("a run's trigger file in the run view", () => {
  it('downloads a file the run was started with (stored before the run), and no other run may read it', async () => {
    const res = await upload(wav(), 'audio/wav', 'call.wav');
    const { file } = (await res.json()) as { file: { $blob: { key: string } } };
    const claim = (trigger: unknown) =>
      claimRun(api.db, { workspaceId: api.workspaceId, flowId: 'flw_files', version: 1, workflowId: `files-${crypto.randomUUID()}`, mode: 'live', trigger });
    const withFile = await claim({ type: 'event', event: 'call.recorded', data: { recording: file } });
    const without = await claim({ type: 'event', event: 'call.recorded', data: {} });
    const content = (runId: string) => api.request('GET', `/api/runs/${runId}/blobs/${file.$blob.key}/content`, { key: api.keys.live });
    const got = await content(withFile.run.id);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-disposition')).toContain('call.wav');
    expect((await content(without.run.id)).status).toBe(404);
  });
});

