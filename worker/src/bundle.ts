import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build:workflows` writes the prebuilt workflow bundles (the image builds them once): one without the
 * tracing interceptors, one with them (worker.ts, workflowBundleOptions).
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PREBUILT_BUNDLE = path.join(REPO_ROOT, 'dist', 'workflow-bundle.js');
export const PREBUILT_TRACING_BUNDLE = path.join(REPO_ROOT, 'dist', 'workflow-bundle-tracing.js');
export const prebuiltBundlePath = (o: { tracing: boolean }) => (o.tracing ? PREBUILT_TRACING_BUNDLE : PREBUILT_BUNDLE);

/** The folders workflow code may import from (a lint rule keeps it so): what a bundle is built from. */
const SOURCES = ['worker/src/workflows', 'core/src'];

/** A hash of every TypeScript file the bundle is built from (and of the lockfile), so a bundle older than its sources is never used. */
export function workflowSourcesHash(root = REPO_ROOT): string {
  const hash = crypto.createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name))
        hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
    }
  };
  for (const dir of SOURCES) walk(path.join(root, dir));
  // Another version of the SDK's workflow package makes another bundle too.
  hash.update(fs.readFileSync(path.join(root, 'package-lock.json')));
  return hash.digest('hex');
}

/** Writes the bundle and its manifest (the sources' hash). */
export function writePrebuiltBundle(code: string, file = PREBUILT_BUNDLE): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, code);
  fs.writeFileSync(`${file}.json`, JSON.stringify({ sourcesHash: workflowSourcesHash(), builtAt: new Date().toISOString() }, null, 2));
}

/**
 * The prebuilt bundle, when there is one built from these very sources; else undefined (the worker bundles at
 * start, as in development). A stale bundle is refused loudly rather than run: replaying histories with other
 * workflow code than the worker's own sources is how non-determinism errors start.
 */
export function prebuiltBundle(o: { tracing: boolean }): { codePath: string } | { stale: string } | undefined {
  const file = prebuiltBundlePath(o);
  const manifest = `${file}.json`;
  if (!fs.existsSync(file) || !fs.existsSync(manifest)) return undefined;
  const { sourcesHash, builtAt } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { sourcesHash?: string; builtAt?: string };
  if (sourcesHash !== workflowSourcesHash())
    return { stale: `${file} (built ${builtAt ?? '?'}) is older than the workflow sources; run npm run build:workflows again` };
  return { codePath: file };
}

/** Whether a bundle has the tracing interceptors: a worker with tracing on warns when SWITCHYARD_WORKFLOW_BUNDLE has not. */
export function bundleHasTracing(codePath: string): boolean {
  return fs.readFileSync(codePath, 'utf8').includes('interceptors-opentelemetry/lib/workflow-interceptors');
}
