import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadMasterKey } from '#store/crypto';
import { EncryptionCodec, payloadCodecFor } from '#store/payload-codec';

/**
 * `npm run secrets:rotate-master-key` and Temporal payload encryption: histories written before the rotation were
 * encrypted with a key derived from the old master key. The script keeps that key (`master.key.previous`), so after
 * the rotation they still decrypt, and new payloads use the new key.
 */
describe('rotating the master key keeps encrypted Temporal histories readable', () => {
  it('keeps the old key beside the new one; the codec decrypts old payloads and encrypts with the new key', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotate-payloads-'));
    try {
      const before = loadMasterKey({}, dir);
      const payload: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"written before"') };
      const [sealed] = await EncryptionCodec.fromMasterKeys(before).encode([payload], { type: 'workflow', namespace: 'default', workflowId: 'w1' });
      const env = { ...process.env, DATA_DIR: dir, DATABASE_URL: path.join(dir, 'switchyard.db'), SWITCHYARD_MASTER_KEY: '' };
      const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/rotate-master-key.ts'], { env, encoding: 'utf8' });
      expect(out).toMatch(/Rotated 0 workspace key/);
      const after = loadMasterKey({}, dir);
      expect(after.fingerprint).not.toBe(before.fingerprint);
      const config = { SWITCHYARD_PAYLOAD_ENCRYPTION: 'on' as const, DATA_DIR: dir };
      const codec = payloadCodecFor(config, after)!;
      expect(Buffer.from((await codec.decode([sealed!]))[0]!.data!).toString()).toBe('"written before"');
      // Only the new key encrypts: a codec without the old key cannot read the old payload, but reads new ones.
      const [fresh] = await codec.encode([payload], { type: 'workflow', namespace: 'default', workflowId: 'w2' });
      expect(Buffer.from((await EncryptionCodec.fromMasterKeys(after).decode([fresh!]))[0]!.data!).toString()).toBe('"written before"');
      await expect(EncryptionCodec.fromMasterKeys(after).decode([sealed!])).rejects.toThrow(/SWITCHYARD_PREVIOUS_MASTER_KEYS/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
