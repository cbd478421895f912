import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Envelope encryption with AES-256-GCM. Each workspace has a random data key; the data key is stored only
 * wrapped (encrypted) by the master key. Every ciphertext is bound to where it belongs through its
 * additional authenticated data, so a value copied to another secret, mode or workspace fails to decrypt.
 * Format: `v1.<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 */

export interface MasterKey {
  key: Buffer;
  /** Short fingerprint stored beside each wrapped key, so a wrong master key is named, not guessed at. */
  fingerprint: string;
  source: string;
}

export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

export function masterKeyFrom(material: Buffer, source: string): MasterKey {
  if (material.length !== 32)
    throw new Error(`The master key from ${source} must be 32 bytes (64 hex characters or 44 base64 characters); it is ${material.length} bytes`);
  return { key: material, fingerprint: crypto.createHash('sha256').update(material).digest('hex').slice(0, 16), source };
}

export function parseMasterKey(text: string, source: string): MasterKey {
  const trimmed = text.trim();
  const material = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  return masterKeyFrom(material, source);
}

export function generateMasterKeyText(): string {
  return crypto.randomBytes(32).toString('base64');
}

/**
 * The master key: `SWITCHYARD_MASTER_KEY` (hex or base64), else `<dataDir>/master.key`, created with mode
 * 0600 on first start.
 */
export function loadMasterKey(env: { SWITCHYARD_MASTER_KEY?: string | undefined }, dataDir: string): MasterKey {
  if (env.SWITCHYARD_MASTER_KEY) return parseMasterKey(env.SWITCHYARD_MASTER_KEY, 'SWITCHYARD_MASTER_KEY');
  const file = path.resolve(dataDir, 'master.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // 'wx' fails if another process created it in the meantime; then we read theirs.
    try {
      fs.writeFileSync(file, generateMasterKeyText() + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return parseMasterKey(fs.readFileSync(file, 'utf8'), file);
}

export function encrypt(key: Buffer, plaintext: Buffer, aad: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
}

/** Throws DecryptionError (with `what` in the message) on a wrong key, a tampered value or a wrong binding. */
export function decrypt(key: Buffer, payload: string, aad: string, what: string): Buffer {
  const [version, iv, tag, ciphertext] = payload.split('.');
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined) throw new DecryptionError(`${what} is not in a format this version can read`);
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  } catch {
    throw new DecryptionError(`${what} cannot be decrypted: the key is wrong or the stored value was altered`);
  }
}

/**
 * Binary AES-256-GCM for large values (blobs): `iv (12) | tag (16) | ciphertext`, bound to `aad` like `encrypt`.
 * No base64: a 5 MB blob stays 5 MB on disk.
 */
export function encryptBytes(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

export function decryptBytes(key: Buffer, sealed: Buffer, aad: string, what: string): Buffer {
  if (sealed.length < 28) throw new DecryptionError(`${what} is too short to be an encrypted blob`);
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
  } catch {
    throw new DecryptionError(`${what} cannot be decrypted: the key is wrong or the stored value was altered`);
  }
}
