/**
 * Generates `src/generated.ts`, the client's request and answer types, from Switchyard's OpenAPI document (the one
 * the server derives from its route table). `npm run generate` in clients/js (with a server at SWITCHYARD_URL, default
 * http://127.0.0.1:3000) rewrites it; `test/drift.test.ts` fails when the committed file differs from what the
 * document gives. Pure: `generateTypes(doc)` maps JSON Schema to TypeScript for the shapes the document uses.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

type Schema = Record<string, unknown>;
interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      { requestBody?: { content: Record<string, { schema: Schema }> }; responses: Record<string, { content?: Record<string, { schema: Schema }> }> }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

/** The types the client uses: a name, and where its schema is in the document. */
export const CLIENT_TYPES: { name: string; path: string; method: string; part: 'request' | number; dataOf?: true }[] = [
  { name: 'SendEventRequest', path: '/v1/events', method: 'post', part: 'request' },
  { name: 'SendEventResult', path: '/v1/events', method: 'post', part: 202 },
  { name: 'InvokeRequest', path: '/v1/flows/{flowKey}/invoke', method: 'post', part: 'request' },
  { name: 'InvokeResult', path: '/v1/flows/{flowKey}/invoke', method: 'post', part: 200 },
  { name: 'InvokeAccepted', path: '/v1/flows/{flowKey}/invoke', method: 'post', part: 202 },
  { name: 'AppRun', path: '/v1/runs/{runId}', method: 'get', part: 200 },
  // An event stream's schema describes each message (id, event, data): the event is the `contentSchema` of its data.
  { name: 'RunEvent', path: '/v1/runs/{runId}/events', method: 'get', part: 200, dataOf: true },
  { name: 'ErrorBody', path: '/v1/events', method: 'post', part: 400 },
];

const JSON_VALUE = 'export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };';

export function generateTypes(doc: OpenApi): string {
  const components = new Set<string>();
  /** Components that are a client type themselves (InvokeResult, Error as ErrorBody): referred to by the client's name. */
  const aliases = new Map<string, string>();
  const refName = (s: Schema) => (typeof s.$ref === 'string' ? s.$ref.replace('#/components/schemas/', '') : undefined);
  const ts = (s: Schema | undefined, indent: string): string => {
    if (!s || Object.keys(s).filter((k) => !['description', 'default', 'examples', 'title'].includes(k)).length === 0) return 'unknown';
    if (typeof s.$ref === 'string') {
      const name = s.$ref.replace('#/components/schemas/', '');
      if (name === 'JsonValue') return 'JsonValue';
      if (aliases.has(name)) return aliases.get(name)!;
      components.add(name);
      return name;
    }
    if ('const' in s) return JSON.stringify(s.const);
    if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
    const union = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
    if (union) return [...new Set(union.map((u) => ts(u, indent)))].join(' | ');
    if (Array.isArray(s.type)) return s.type.map((t) => ts({ ...s, type: t }, indent)).join(' | ');
    switch (s.type) {
      case 'string':
        return 'string';
      case 'number':
      case 'integer':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array': {
        const item = ts(s.items as Schema | undefined, indent);
        return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
      }
      case 'object': {
        const props = (s.properties ?? {}) as Record<string, Schema>;
        const required = new Set((s.required ?? []) as string[]);
        const inner = `${indent}  `;
        const lines = Object.entries(props).map(
          ([k, v]) => `${inner}${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}${required.has(k) ? '' : '?'}: ${ts(v, inner)};`,
        );
        const extra = s.additionalProperties;
        if (extra && typeof extra === 'object') lines.push(`${inner}[key: string]: ${ts(extra as Schema, inner)};`);
        else if (lines.length === 0) return 'Record<string, unknown>';
        return `{\n${lines.join('\n')}\n${indent}}`;
      }
      default:
        return 'unknown';
    }
  };
  const out = ['// Generated from the OpenAPI document by clients/js/scripts/generate-types.ts: do not edit (test/drift.test.ts checks it).', '', JSON_VALUE];
  const schemas = CLIENT_TYPES.map((t) => {
    const op = doc.paths[t.path]?.[t.method];
    if (!op) throw new Error(`The OpenAPI document has no ${t.method.toUpperCase()} ${t.path}`);
    const content = t.part === 'request' ? op.requestBody?.content : op.responses[String(t.part)]?.content;
    const schema = content ? Object.values(content)[0]?.schema : undefined;
    if (!schema) throw new Error(`The OpenAPI document gives ${t.method.toUpperCase()} ${t.path} no ${t.part} schema`);
    const ref = refName(schema);
    const resolved = ref ? doc.components.schemas[ref]! : schema;
    if (t.dataOf) {
      const content = (resolved.properties as Record<string, Schema> | undefined)?.data?.contentSchema as Schema | undefined;
      if (!content) throw new Error(`${t.method.toUpperCase()} ${t.path} documents no contentSchema for its events' data`);
      return { name: t.name, schema: content };
    }
    if (ref) aliases.set(ref, t.name);
    return { name: t.name, schema: resolved };
  });
  for (const { name, schema } of schemas) out.push('', `export type ${name} = ${ts(schema, '')};`);
  // Components referenced above (and by them), each once, by name.
  const done = new Set<string>();
  for (let pending = [...components]; pending.length > 0; pending = [...components].filter((c) => !done.has(c))) {
    for (const name of pending.sort()) {
      done.add(name);
      out.push('', `export type ${name} = ${ts(doc.components.schemas[name], '')};`);
    }
  }
  return `${out.join('\n')}\n`;
}

export const GENERATED_PATH = fileURLToPath(new URL('../src/generated.ts', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const base = process.env.SWITCHYARD_URL ?? 'http://127.0.0.1:3000';
  const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as OpenApi;
  fs.writeFileSync(GENERATED_PATH, generateTypes(doc));
  console.log(`wrote ${GENERATED_PATH}`);
}
