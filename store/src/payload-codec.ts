import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter, Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
// A CommonJS package: its default export under Node's ESM loader (named exports are not detected).
import proto from '@temporalio/proto';
import { DecryptionError, parseMasterKey, type MasterKey } from './crypto';

const ProtoPayload = proto.temporal.api.common.v1.Payload;

/**
 * Temporal payload encryption: every workflow and activity payload (inputs, results, signals, failures'
 * details) is sealed with AES-256-GCM before it leaves the process, so Temporal's database holds ciphertext.
 *
 * The key is derived from Switchyard's master key (HKDF-SHA256), never the master key itself. Each encrypted
 * payload names its key in `encryption-key-id`, so after a master key rotation the previous keys
 * (SWITCHYARD_PREVIOUS_MASTER_KEYS) still open older histories: encrypt with the newest, decrypt with any.
 * Payloads that are not encrypted (histories written before encryption was on, replayed recordings) pass
 * through decode unchanged.
 *
 * The owning workflow id (from the SDK's serialization context) is written beside the ciphertext and bound
 * to it as additional authenticated data: the codec endpoint decodes a payload only for a caller whose
 * workspace owns that workflow, and a relabelled payload fails to decrypt.
 */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const PayloadMetadata = {
  keyId: 'encryption-key-id',
  cipher: 'encryption-cipher',
  workflowId: 'switchyard-workflow-id',
} as const;
const CIPHER = 'AES-256-GCM';
const HKDF_INFO = 'switchyard temporal payload codec v1';

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** The payload key of a master key: HKDF-SHA256, with a short id derived from the key (not the master key). */
export function payloadKeyOf(master: MasterKey): PayloadKey {
  const key = Buffer.from(crypto.hkdfSync('sha256', master.key, Buffer.alloc(0), HKDF_INFO, 32));
  return { id: `sy1-${crypto.createHash('sha256').update(key).digest('hex').slice(0, 16)}`, key };
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** The workflow a payload belongs to, as the SDK tells the codec (a workflow's own, or the one that scheduled an activity). */
function workflowIdOf(context: SerializationContext | undefined): string | undefined {
  return context?.workflowId;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly current: PayloadKey;
  private readonly byId: Map<string, PayloadKey>;

  /** `keys[0]` encrypts; every key decrypts what it encrypted. */
  constructor(keys: PayloadKey[]) {
    if (keys.length === 0) throw new Error('The payload codec needs at least one key');
    this.current = keys[0]!;
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  static fromMasterKeys(current: MasterKey, previous: MasterKey[] = []): EncryptionCodec {
    return new EncryptionCodec([current, ...previous].map(payloadKeyOf));
  }

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const workflowId = workflowIdOf(context);
    return payloads.map((payload) => this.seal(payload, workflowId));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.open(payload) : payload));
  }

  private seal(payload: Payload, workflowId: string | undefined): Payload {
    const plaintext = ProtoPayload.encode(payload).finish();
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(aadOf(this.current.id, workflowId)));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      metadata: {
        encoding: utf8(ENCRYPTED_ENCODING),
        [PayloadMetadata.cipher]: utf8(CIPHER),
        [PayloadMetadata.keyId]: utf8(this.current.id),
        ...(workflowId ? { [PayloadMetadata.workflowId]: utf8(workflowId) } : {}),
      },
      data: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]),
    };
  }

  private open(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[PayloadMetadata.keyId]) ?? '';
    const key = this.byId.get(keyId);
    if (!key)
      throw new DecryptionError(
        `A Temporal payload is encrypted with key ${keyId || '(none named)'}, which is not among this process's keys (${[...this.byId.keys()].join(', ')}): ` +
          'set SWITCHYARD_PREVIOUS_MASTER_KEYS to the master key that was current when it was written (docs/temporal.md, Key rotation).',
      );
    const sealed = Buffer.from(payload.data ?? new Uint8Array());
    if (sealed.length < 28) throw new DecryptionError('A Temporal payload marked encrypted is too short to be one');
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key.key, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(aadOf(key.id, text(payload.metadata?.[PayloadMetadata.workflowId]))));
      decipher.setAuthTag(sealed.subarray(12, 28));
      const plaintext = Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
      return ProtoPayload.decode(plaintext) as Payload;
    } catch {
      throw new DecryptionError(`A Temporal payload (key ${keyId}) cannot be decrypted: the key is wrong or the stored payload was altered`);
    }
  }
}

function aadOf(keyId: string, workflowId: string | undefined): string {
  return `${keyId}\n${workflowId ?? ''}`;
}

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;
}

/** The workflow id an encrypted payload is bound to, if the SDK gave one when it was sealed. */
export function payloadWorkflowId(payload: Payload): string | undefined {
  return text(payload.metadata?.[PayloadMetadata.workflowId]);
}

/** Where the rotation script keeps the master keys it replaced (one a line), beside `master.key`. */
export const PREVIOUS_MASTER_KEYS_FILE = 'master.key.previous';

/**
 * The codec of this process, or undefined with encryption off (SWITCHYARD_PAYLOAD_ENCRYPTION=off). Decrypts with the
 * current master key and every earlier one: SWITCHYARD_PREVIOUS_MASTER_KEYS and `<DATA_DIR>/master.key.previous`.
 */
export function payloadCodecFor(
  config: { SWITCHYARD_PAYLOAD_ENCRYPTION: 'on' | 'off'; SWITCHYARD_PREVIOUS_MASTER_KEYS?: string | undefined; DATA_DIR: string },
  master: MasterKey,
): EncryptionCodec | undefined {
  if (config.SWITCHYARD_PAYLOAD_ENCRYPTION === 'off') return undefined;
  const previous: MasterKey[] = [];
  (config.SWITCHYARD_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
    .forEach((k, i) => previous.push(parseMasterKey(k, `SWITCHYARD_PREVIOUS_MASTER_KEYS (key ${i + 1})`)));
  const file = path.resolve(config.DATA_DIR, PREVIOUS_MASTER_KEYS_FILE);
  if (fs.existsSync(file))
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .forEach((k, i) => previous.push(parseMasterKey(k, `${file} (line ${i + 1})`)));
  return EncryptionCodec.fromMasterKeys(master, previous);
}

/** The data converter clients and workers use: the codec when there is one, Temporal's default otherwise. */
export function dataConverterOf(codec: PayloadCodec | undefined): DataConverter {
  return codec ? { payloadCodecs: [codec] } : {};
}
