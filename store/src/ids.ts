import crypto from 'node:crypto';

/** A readable, unguessable id: `flw_8ZqK…`. */
export function newId(prefix: 'ws' | 'key' | 'flw' | 'ver' | 'run' | 'whe' | 'dlv' | 'usr' | 'ses' | 'inv' | 'aud'): string {
  return `${prefix}_${crypto.randomBytes(12).toString('base64url')}`;
}
