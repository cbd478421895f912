import { z } from 'zod';
import { FlowDocument } from './flow';

/**
 * The JSON Schema (draft 2020-12) of a flow document as authors write it (`io: 'input'`: fields with a
 * default, such as `layout` and `schemaVersion`, are optional). For editors and external tooling; the zod
 * schema in flow.ts stays the source of truth. The recursive parts (forEach bodies, JSON mappings) become
 * `$defs` with `$ref`s. Refinements JSON Schema cannot express are left out (the reserved `trigger` id is in:
 * `not: { const: "trigger" }`), so a document that passes this schema may still be refused by `FlowDocument.parse`.
 */
export function flowDocumentJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(FlowDocument, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
