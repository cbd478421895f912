/** The client's types are the OpenAPI document's: this fails when the server's answers change and the client's do not. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../../test/helpers/api';
import { GENERATED_PATH, generateTypes } from '../scripts/generate-types';

let api: TestApi;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is read loosely
let doc: any;

beforeAll(async () => {
  api = await startTestApi({ taskQueue: `client-drift-${Date.now()}` });
  doc = (await api.request('GET', '/api/openapi.json', { key: null })).body;
});
afterAll(async () => api?.close());

describe('@switchyard/client types', () => {
  it('are what the OpenAPI document gives (regenerate with `npm run generate` in clients/js, or run this test with UPDATE_CLIENT_TYPES=1, when this fails)', () => {
    if (process.env.UPDATE_CLIENT_TYPES === '1') fs.writeFileSync(GENERATED_PATH, generateTypes(doc));
    expect(fs.readFileSync(GENERATED_PATH, 'utf8')).toBe(generateTypes(doc));
  });

  it('would notice a drift: a field the server adds, drops or retypes changes the generated types', () => {
    const changed = structuredClone(doc);
    delete changed.components.schemas.InvokeResult.properties.respondedBy;
    expect(generateTypes(changed)).not.toBe(generateTypes(doc));
    const retyped = structuredClone(doc);
    retyped.components.schemas.AppRun.properties.version = { type: 'string' };
    expect(generateTypes(retyped)).not.toBe(generateTypes(doc));
  });
});
