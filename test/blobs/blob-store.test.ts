import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError, BlobStore, FileBlobBackend, LimitExceededError, setWorkspaceLimits, type BlobBackend } from '#store/blobs';
import { S3BlobBackend } from '#store/blobs-s3';
import type { Db } from '#store/database';
import { SecretStore } from '#store/secrets';
import { repoRoot } from '../helpers/processes';
import { freePort } from '../helpers/ports';
import { testDb, testMasterKey } from '../helpers/temporal';
import { createWorkspaces } from '../helpers/workspaces';

/**
 * The blob store (docs/big-runs.md) on both backends: files under a folder, and S3 against a real S3-compatible server
 * (moto, PyPI, pinned in scripts/setup-test-tools.sh; skipped locally without .tools/moto, required in CI).
 */
const MOTO = path.join(repoRoot, '.tools', 'moto', 'bin', 'moto_server');
const motoInstalled = fs.existsSync(MOTO);

const ws = { a: '', b: '' };
let db: Db;
let secrets: SecretStore;

beforeAll(async () => {
  db = await testDb();
  await createWorkspaces(db, ws, {});
  secrets = new SecretStore(db, testMasterKey);
});

/** The same contract on every backend; `raw` reads what the backend holds for a key (to check it is ciphertext). */
function contract(name: string, backend: () => BlobBackend, raw: (key: string) => Promise<Buffer | undefined>) {
  describe(name, () => {
    it('stores a value encrypted, gives it back whole, and only to its workspace', async () => {
      const store = new BlobStore(db, secrets, backend());
      const value = { items: Array.from({ length: 2000 }, (_, i) => ({ i, secret: `customer-${i}@example.com` })) };
      const ref = await store.putJson({ workspaceId: ws.a, workflowId: 'wf-1', value });
      expect(ref.$blob).toMatchObject({ mediaType: 'application/json', size: Buffer.byteLength(JSON.stringify(value)) });
      expect(ref.$blob.preview.startsWith('{"items":[{"i":0')).toBe(true);
      expect(await store.getJson(ws.a, ref.$blob.key)).toEqual(value);
      const stored = await raw(`${ws.a}/${ref.$blob.key}`);
      expect(stored).toBeDefined();
      expect(stored!.includes(Buffer.from('customer-1@example.com'))).toBe(false);
      await expect(store.getBytes(ws.b, ref.$blob.key)).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('deletes a run’s blobs (its batches’ too) and blobs past retention', async () => {
      const store = new BlobStore(db, secrets, backend());
      const own = await store.putJson({ workspaceId: ws.a, workflowId: 'wf-del', value: [1] });
      const batch = await store.putJson({ workspaceId: ws.a, workflowId: 'wf-del/each/0', value: [2] });
      const other = await store.putJson({ workspaceId: ws.a, workflowId: 'wf-keep', value: [3] });
      expect(await store.deleteOfWorkflow(ws.a, 'wf-del')).toBe(2);
      for (const ref of [own, batch]) {
        await expect(store.getBytes(ws.a, ref.$blob.key)).rejects.toBeInstanceOf(BlobNotFoundError);
        expect(await raw(`${ws.a}/${ref.$blob.key}`)).toBeUndefined();
      }
      expect(await store.getJson(ws.a, other.$blob.key)).toEqual([3]);
      expect(await store.deleteOlderThan(new Date(Date.now() + 1000).toISOString())).toBeGreaterThanOrEqual(1);
      await expect(store.getBytes(ws.a, other.$blob.key)).rejects.toBeInstanceOf(BlobNotFoundError);
    });

    it('refuses a blob over the workspace limits, naming the limit, and writes nothing', async () => {
      const store = new BlobStore(db, secrets, backend());
      await setWorkspaceLimits(db, ws.b, { maxBlobBytes: 1000 });
      const err = await store.putJson({ workspaceId: ws.b, workflowId: 'wf-big', value: 'x'.repeat(2000) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LimitExceededError);
      expect((err as Error).message).toMatch(/over this workspace's blob size limit \(maxBlobBytes = 1000\)/);
      await setWorkspaceLimits(db, ws.b, { maxStorageBytes: 1500 });
      await store.putJson({ workspaceId: ws.b, workflowId: 'wf-big', value: 'x'.repeat(1000) });
      const full = await store.putJson({ workspaceId: ws.b, workflowId: 'wf-big', value: 'x'.repeat(1000) }).catch((e: unknown) => e);
      expect((full as Error).message).toMatch(/total storage limit \(maxStorageBytes = 1500; 1002 used\)/);
      expect(await store.usedBytes(ws.b)).toBe(1002);
      await setWorkspaceLimits(db, ws.b, {});
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-blob-files-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
contract(
  'files under DATA_DIR/blobs',
  () => new FileBlobBackend(dir),
  async (key) => fs.promises.readFile(path.join(dir, key)).catch(() => undefined),
);

describe.skipIf(!motoInstalled && process.env.CI !== 'true')('S3 (moto server; skipped locally without .tools/moto: bash scripts/setup-test-tools.sh)', () => {
  let moto: ChildProcess;
  let endpoint: string;
  let client: S3Client;
  const bucket = `switchyard-test-${crypto.randomBytes(4).toString('hex')}`;
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

  beforeAll(async () => {
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    moto = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }, 40_000);

  afterAll(() => {
    client?.destroy();
    moto?.kill('SIGTERM');
  });

  contract(
    'S3-compatible storage',
    () => new S3BlobBackend({ bucket, prefix: 'runs/', endpoint, forcePathStyle: true, credentials }),
    async (key) => {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `runs/${key}` }));
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch {
        return undefined;
      }
    },
  );

  it('keeps every object under the prefix', async () => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).every((o) => o.Key?.startsWith('runs/'))).toBe(true);
  });
});
