import type { Db } from '#store/database';
import { SecretStore } from '#store/secrets';
import { createWorkspace } from '#store/workspaces.repository';
import { testMasterKey } from './temporal';

/** A secret's live and test values, as SecretStore.put takes them. */
export type SecretValues = Parameters<SecretStore['put']>[2];

/**
 * Creates one workspace per key of `ws` (named after the key, behind `o.namePrefix`) and writes its id
 * into `ws`; then stores the secrets listed for each, e.g. `{ full: { GITHUB_TOKEN: { live, test } } }`.
 * Secrets go through `o.store`, by default a SecretStore over `db` with the test master key.
 */
export async function createWorkspaces<K extends string>(
  db: Db,
  ws: Record<K, string>,
  secrets: Partial<Record<NoInfer<K>, Record<string, SecretValues>>>,
  o: { store?: SecretStore; namePrefix?: string } = {},
): Promise<void> {
  for (const name of Object.keys(ws) as K[]) ws[name] = (await createWorkspace(db, `${o.namePrefix ?? ''}${name}`)).id;
  const store = o.store ?? new SecretStore(db, testMasterKey);
  for (const [name, values] of Object.entries(secrets) as [K, Record<string, SecretValues>][]) {
    for (const [secret, value] of Object.entries(values)) await store.put(ws[name], secret, value);
  }
}
