import type { RunMode } from '#core/catalog-sdk';
import type { SecretStore } from '#store/secrets';
import { importCurl } from '../integrations/curl-import';

/** A value that says it is a test credential (`sk_test_…`, `pk_test_…`, `re_test_…`, `…-test-…`). */
const TEST_VALUE = /(?:^|[_-])test[_-]/i;

/**
 * A pasted cURL command → one HTTP request step. Each credential found in it is stored as a workspace secret (its
 * test value when the caller uses a test key or the value looks like a test credential, else its live value) and
 * the step names the secret: the value is never in the flow, nor in this answer.
 */
export async function importCurlCommand(secrets: SecretStore, caller: { workspaceId: string; mode: RunMode }, command: string) {
  const imported = importCurl(command);
  const saved: { name: string; where: string; saved: RunMode | null }[] = [];
  for (const c of imported.credentials) {
    if (c.value === undefined || c.value === '') {
      saved.push({ name: c.name, where: c.where, saved: null });
      continue;
    }
    const mode: RunMode = caller.mode === 'test' || TEST_VALUE.test(c.value) ? 'test' : 'live';
    await secrets.put(caller.workspaceId, c.name, { [mode]: c.value });
    saved.push({ name: c.name, where: c.where, saved: mode });
  }
  return { node: imported.node, secrets: saved, notes: imported.notes };
}
