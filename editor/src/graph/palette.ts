import type { ActionInfo, JsonSchema } from '#core/catalog-sdk';
import { walkNodes, type FlowDocument, type FlowNode, type FlowTrigger } from '#core/flow';

/** What can be dragged from the palette. `payload` travels through the drag-and-drop data transfer. */
export type PaletteItem =
  | { kind: 'trigger'; title: string; description: string; trigger: FlowTrigger }
  | { kind: 'logic'; title: string; description: string; nodeType: Exclude<FlowNode['type'], 'action'> }
  | { kind: 'action'; title: string; description: string; action: string; integration: string };

export interface PaletteGroup {
  title: string;
  items: PaletteItem[];
}

export const PALETTE_MIME = 'application/x-switchyard-palette';

export function paletteGroups(actions: ActionInfo[], search = ''): PaletteGroup[] {
  const groups: PaletteGroup[] = [
    {
      title: 'Triggers',
      items: [
        { kind: 'trigger', title: 'App event', description: 'Your app sends POST /v1/events', trigger: { type: 'event', event: 'user.signed_up' } },
        { kind: 'trigger', title: 'Manual', description: 'Started by hand or through the API', trigger: { type: 'manual' } },
        {
          kind: 'trigger',
          title: 'Invoke',
          description: 'Your app calls POST /v1/flows/<id>/invoke and gets the answer',
          trigger: { type: 'invoke' },
        },
        {
          kind: 'trigger',
          title: 'Schedule',
          description: 'Runs on a schedule: a cron or an interval, in a time zone',
          trigger: { type: 'schedule', cron: '0 9 * * *' },
        },
        {
          kind: 'trigger',
          title: 'Webhook',
          description: 'A provider (Stripe, GitHub, …) sends a signed webhook',
          trigger: { type: 'webhook', source: 'stripe' },
        },
      ],
    },
    {
      title: 'Logic',
      items: [
        { kind: 'logic', title: 'If', description: 'Two branches: true and false', nodeType: 'condition' },
        { kind: 'logic', title: 'Switch', description: 'A branch per case, plus default', nodeType: 'switch' },
        { kind: 'logic', title: 'Delay', description: 'Wait, durably', nodeType: 'delay' },
        { kind: 'logic', title: 'Wait for webhook', description: 'Pause until a matching webhook event arrives, or time out', nodeType: 'waitForWebhook' },
        { kind: 'logic', title: 'For each', description: 'Repeat steps for every item of a list', nodeType: 'forEach' },
        { kind: 'logic', title: 'End', description: 'Finish the run with an output', nodeType: 'end' },
        { kind: 'logic', title: 'Respond', description: 'Answer the app that invoked the flow now; the run goes on', nodeType: 'respond' },
        { kind: 'logic', title: 'Code', description: 'A backend function in TypeScript or JavaScript, run in a sandbox', nodeType: 'code' },
      ],
    },
  ];
  const byIntegration = new Map<string, PaletteItem[]>();
  for (const a of actions) {
    byIntegration.set(a.integration, [
      ...(byIntegration.get(a.integration) ?? []),
      { kind: 'action', title: a.title, description: a.description, action: a.ref, integration: a.integration },
    ]);
  }
  for (const [integration, items] of [...byIntegration].sort(([a], [b]) => a.localeCompare(b))) groups.push({ title: integration, items });
  const q = search.trim().toLowerCase();
  if (!q) return groups;
  return groups
    .map((g) => ({ ...g, items: g.items.filter((i) => `${g.title} ${i.title} ${i.description} ${'action' in i ? i.action : ''}`.toLowerCase().includes(q)) }))
    .filter((g) => g.items.length > 0);
}

/** What a new code step starts with: the shape every code step has. */
export const CODE_STARTER = `export default async function (input, ctx) {
  ctx.log('input', input);
  return { ok: true };
}
`;

/** A fresh id from a base (`http_request`, `http_request_2`, …) that the document does not use yet. */
export function uniqueId(doc: FlowDocument, base: string): string {
  const used = new Set([...walkNodes(doc)].map((w) => w.node.id));
  const clean =
    base
      .replace(/[^A-Za-z0-9_]/g, '_')
      .replace(/^[^A-Za-z_]/, '_')
      .slice(0, 50) || 'step';
  if (!used.has(clean)) return clean;
  for (let i = 2; ; i++) if (!used.has(`${clean}_${i}`)) return `${clean}_${i}`;
}

/** A new node for a palette item, with placeholders for the action's required inputs. */
export function newNode(doc: FlowDocument, item: Exclude<PaletteItem, { kind: 'trigger' }>, actions: ActionInfo[]): FlowNode {
  if (item.kind === 'action') {
    const info = actions.find((a) => a.ref === item.action);
    const id = uniqueId(doc, item.action.split('@')[0]!.replace('.', '_'));
    return { id, type: 'action', action: item.action, inputs: info ? requiredPlaceholders(info.inputSchema) : {} };
  }
  const id = uniqueId(doc, item.nodeType === 'condition' ? 'if' : item.nodeType === 'waitForWebhook' ? 'wait_for_webhook' : item.nodeType);
  switch (item.nodeType) {
    case 'condition':
      return { id, type: 'condition', condition: 'true' };
    case 'switch':
      return { id, type: 'switch', value: 'trigger.data.type', cases: ['a', 'b'] };
    case 'delay':
      return { id, type: 'delay', duration: '1m' };
    case 'waitForWebhook':
      return { id, type: 'waitForWebhook', source: 'stripe', event: 'payment_intent.succeeded', timeout: '1d' };
    case 'forEach':
      return { id, type: 'forEach', items: 'trigger.data.items', concurrency: 1, body: { nodes: [], edges: [] } };
    case 'end':
      return { id, type: 'end' };
    case 'respond':
      return { id, type: 'respond', output: { ok: true } };
    case 'code':
      return { id, type: 'code', language: 'typescript', source: CODE_STARTER, inputs: {}, secrets: [] };
  }
}

function requiredPlaceholders(schema: JsonSchema): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const out: Record<string, unknown> = {};
  for (const name of (schema.required ?? []) as string[]) {
    const p = props[name] ?? {};
    if (p.default !== undefined) continue;
    out[name] = p.type === 'number' || p.type === 'integer' ? 0 : p.type === 'boolean' ? false : p.type === 'object' ? {} : p.type === 'array' ? [] : '';
  }
  return out;
}
