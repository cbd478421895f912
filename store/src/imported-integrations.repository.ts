import { ImportedSpec, parseImportedRef, type ImportedIntegration } from '#core/instant';
import type { Db } from './database';
import { nowIso } from './database';

/**
 * Stores a new version of an imported integration (1 for a new key) and returns it. One insert: nothing is left
 * half-written when it fails. Two imports of the same key at once: the second takes the next version.
 */
export async function insertImportedVersion(db: Db, workspaceId: string, spec: ImportedSpec): Promise<ImportedIntegration> {
  for (let tries = 0; ; tries++) {
    const latest = await db
      .selectFrom('imported_integrations')
      .select((eb) => eb.fn.max('version').as('version'))
      .where('workspace_id', '=', workspaceId)
      .where('key', '=', spec.key)
      .executeTakeFirst();
    const version = Number(latest?.version ?? 0) + 1;
    const createdAt = nowIso();
    try {
      await db
        .insertInto('imported_integrations')
        .values({
          workspace_id: workspaceId,
          key: spec.key,
          version,
          title: spec.title,
          operations: spec.operations.length,
          spec: JSON.stringify(spec),
          created_at: createdAt,
        })
        .execute();
      return { key: spec.key, version, spec, createdAt };
    } catch (err) {
      if (tries >= 3 || !/unique|primary key|duplicate/i.test(String(err))) throw err;
    }
  }
}

export interface ImportedSummary {
  key: string;
  title: string;
  /** The newest version. */
  version: number;
  versions: number[];
  operations: number;
  createdAt: string;
}

/** Every imported integration of the workspace, newest version first in `versions`. */
export async function listImported(db: Db, workspaceId: string): Promise<ImportedSummary[]> {
  const rows = await db
    .selectFrom('imported_integrations')
    .select(['key', 'version', 'title', 'operations', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('key')
    .orderBy('version', 'desc')
    .execute();
  const out = new Map<string, ImportedSummary>();
  for (const r of rows) {
    const seen = out.get(r.key);
    if (seen) seen.versions.push(r.version);
    else out.set(r.key, { key: r.key, title: r.title, version: r.version, versions: [r.version], operations: r.operations, createdAt: r.created_at });
  }
  return [...out.values()];
}

// Versions never change once written, so a parsed spec can be kept (GitHub's is about 3 MB of JSON).
const cache = new Map<string, ImportedIntegration>();
const CACHE_SIZE = 16;

/** One version (the newest when `version` is absent), or undefined. */
export async function getImported(db: Db, workspaceId: string, key: string, version?: number): Promise<ImportedIntegration | undefined> {
  if (version === undefined) {
    const latest = await db
      .selectFrom('imported_integrations')
      .select((eb) => eb.fn.max('version').as('version'))
      .where('workspace_id', '=', workspaceId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (latest?.version === null || latest?.version === undefined) return undefined;
    version = Number(latest.version);
  }
  const id = `${workspaceId}\u0000${key}@${version}`;
  const hit = cache.get(id);
  if (hit) {
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const row = await db
    .selectFrom('imported_integrations')
    .select(['spec', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) return undefined;
  const integration = { key, version, spec: ImportedSpec.parse(JSON.parse(row.spec)), createdAt: row.created_at };
  cache.set(id, integration);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return integration;
}

/** The versions the given action refs pin (the imported ones among them), each loaded once. */
export async function importedForRefs(db: Db, workspaceId: string, refs: Iterable<string>): Promise<ImportedIntegration[]> {
  const wanted = new Map<string, { key: string; version: number }>();
  for (const ref of refs) {
    const parsed = parseImportedRef(ref);
    if (parsed) wanted.set(`${parsed.key}@${parsed.version}`, parsed);
  }
  const loaded = await Promise.all([...wanted.values()].map((w) => getImported(db, workspaceId, w.key, w.version)));
  return loaded.filter((i): i is ImportedIntegration => i !== undefined);
}

/** The newest version of each imported integration of the workspace. */
export async function latestImported(db: Db, workspaceId: string): Promise<ImportedIntegration[]> {
  const summaries = await listImported(db, workspaceId);
  const loaded = await Promise.all(summaries.map((s) => getImported(db, workspaceId, s.key, s.version)));
  return loaded.filter((i): i is ImportedIntegration => i !== undefined);
}
