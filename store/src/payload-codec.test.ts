import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { masterKeyFrom } from './crypto';
import { EncryptionCodec, ENCRYPTED_ENCODING, payloadCodecFor, payloadKeyOf, PayloadMetadata, PREVIOUS_MASTER_KEYS_FILE } from './payload-codec';

const key = () => masterKeyFrom(crypto.randomBytes(32), 'a test key');
const json = (value: unknown): Payload => ({ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(value)) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const context = { type: 'workflow' as const, namespace: 'default', workflowId: 'manual:flw_1:live:abc' };

describe('the payload encryption codec', () => {
  it('encrypts every payload with AES-256-GCM, names its key and workflow, and decrypts it back', async () => {
    const codec = EncryptionCodec.fromMasterKeys(key());
    const [sealed] = await codec.encode([json({ secret: 'CANARY-123' })], context);
    expect(text(sealed!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata![PayloadMetadata.keyId])).toMatch(/^sy1-[0-9a-f]{16}$/);
    expect(text(sealed!.metadata![PayloadMetadata.workflowId])).toBe(context.workflowId);
    expect(Buffer.from(sealed!.data!).includes('CANARY-123')).toBe(false);
    const [opened] = await codec.decode([sealed!]);
    expect(text(opened!.metadata!.encoding)).toBe('json/plain');
    expect(JSON.parse(text(opened!.data))).toEqual({ secret: 'CANARY-123' });
  });

  it('passes payloads that are not encrypted through decode (histories from before encryption, recordings)', async () => {
    const plain = json({ old: true });
    expect(await EncryptionCodec.fromMasterKeys(key()).decode([plain])).toEqual([plain]);
  });

  it('encrypts with the newest key and decrypts with any: a rotation keeps older histories readable', async () => {
    const [oldKey, newKey] = [key(), key()];
    const [before] = await EncryptionCodec.fromMasterKeys(oldKey).encode([json('written before the rotation')], context);
    const rotated = EncryptionCodec.fromMasterKeys(newKey, [oldKey]);
    expect(text((await rotated.decode([before!]))[0]!.data)).toBe('"written before the rotation"');
    const [after] = await rotated.encode([json('after')], context);
    expect(text(after!.metadata![PayloadMetadata.keyId])).toBe(payloadKeyOf(newKey).id);
    // Without the old key, the error says which key is missing and where to put it.
    await expect(EncryptionCodec.fromMasterKeys(newKey).decode([before!])).rejects.toThrow(
      new RegExp(`encrypted with key ${payloadKeyOf(oldKey).id}.*SWITCHYARD_PREVIOUS_MASTER_KEYS`),
    );
  });

  it('refuses a payload whose workflow label or ciphertext was altered', async () => {
    const codec = EncryptionCodec.fromMasterKeys(key());
    const [sealed] = await codec.encode([json('x')], context);
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [PayloadMetadata.workflowId]: Buffer.from('manual:someone-else') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/cannot be decrypted/);
    const data = Buffer.from(sealed!.data!);
    data.writeUInt8(data.readUInt8(data.length - 1) ^ 1, data.length - 1);
    await expect(codec.decode([{ ...sealed!, data }])).rejects.toThrow(/cannot be decrypted/);
  });

  it('is on unless SWITCHYARD_PAYLOAD_ENCRYPTION=off, with earlier master keys from the environment and the rotation file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payload-codec-'));
    try {
      const [current, fromEnv, fromFile] = [key(), key(), key()];
      expect(payloadCodecFor({ SWITCHYARD_PAYLOAD_ENCRYPTION: 'off', DATA_DIR: dir }, current)).toBeUndefined();
      fs.writeFileSync(path.join(dir, PREVIOUS_MASTER_KEYS_FILE), `${fromFile.key.toString('base64')}\n`);
      const codec = payloadCodecFor(
        { SWITCHYARD_PAYLOAD_ENCRYPTION: 'on', SWITCHYARD_PREVIOUS_MASTER_KEYS: fromEnv.key.toString('hex'), DATA_DIR: dir },
        current,
      )!;
      for (const earlier of [fromEnv, fromFile]) {
        const [sealed] = await EncryptionCodec.fromMasterKeys(earlier).encode([json('earlier')], context);
        expect(text((await codec.decode([sealed!]))[0]!.data)).toBe('"earlier"');
      }
      expect(() => payloadCodecFor({ SWITCHYARD_PAYLOAD_ENCRYPTION: 'on', SWITCHYARD_PREVIOUS_MASTER_KEYS: 'short', DATA_DIR: dir }, current)).toThrow(
        /SWITCHYARD_PREVIOUS_MASTER_KEYS \(key 1\) must be 32 bytes/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
