import nlp from 'compromise';
import { type ActionInfo, type CatalogIndex, type IntegrationDefinition } from '#core/catalog-sdk';
import { TRIGGER_ID, type ActionNode, type ConditionNode, type FlowDocument, type FlowEdge, type FlowNode } from '#core/flow';
import { validateFlow } from '#core/validate';
import type { WebhookSource } from '#core/webhooks';
import { ACTION_VERBS, chooseAction } from './actions';
import { mapInputs, type EarlierNode } from './inputs';
import { readTrigger, type TriggerReading } from './triggers';

export interface PlannerCatalog {
  integrations: IntegrationDefinition[];
  index: CatalogIndex & { actions: ActionInfo[] };
  webhookSources: WebhookSource[];
}

export interface PlanRequest {
  prompt: string;
  /** The flow being edited: the prompt revises it ("also post it to #sales", "make it every Monday at 9 instead"). */
  flow?: FlowDocument;
  /** The workspace: installed integrations, secrets with a live or test value, the Backend functions switch. */
  workspace?: { installed: string[]; secrets: string[]; backendFunctions: boolean };
}

export interface Missing {
  integrations: { key: string; title: string }[];
  setupVariables: { name: string; integration: string; description: string; whereToGet: string }[];
  /** OAuth connections the draft needs (none of the catalog's integrations use OAuth yet). */
  connections: { integration: string }[];
  backendFunctions: boolean;
  /** Values the planner filled in for now and a person should replace. */
  inputs: { nodeId: string; field: string; message: string }[];
}

export type Plan =
  | { kind: 'draft'; draft: FlowDocument; explanation: string; missing: Missing; changes: { added: string[]; changed: string[]; removed: string[] } }
  | { kind: 'question'; question: string }
  | { kind: 'unsupported'; message: string };

const CONDITION =
  /\b(?:but\s+)?(?:only\s+)?(?:if|unless|only\s+when|only\s+for)\s+(?:the\s+|their\s+|its\s+)?([a-z][a-z0-9_]*(?:\s+(?!is\b|are\b|was\b|equals\b|exceeds\b|contains\b|includes\b|over\b|above\b|under\b|below\b)[a-z][a-z0-9_]*)?)\s+(is\s+not|isn't|is\s+over|is\s+above|is\s+more\s+than|is\s+greater\s+than|is\s+at\s+least|is\s+under|is\s+below|is\s+less\s+than|is|equals|exceeds|contains|includes|over|above|under|below|>=|<=|>|<|=)\s+(\$?\d[\d,.]*|"[^"]*"|'[^']*'|[a-z0-9_@.-]+)/;
const OPERATORS: Record<string, string> = {
  'is not': '!=',
  "isn't": '!=',
  'is over': '>',
  'is above': '>',
  'is more than': '>',
  'is greater than': '>',
  exceeds: '>',
  over: '>',
  above: '>',
  'is at least': '>=',
  'is under': '<',
  'is below': '<',
  'is less than': '<',
  under: '<',
  below: '<',
  is: '=',
  equals: '=',
  '>=': '>=',
  '<=': '<=',
  '>': '>',
  '<': '<',
  '=': '=',
};

/**
 * The offline assistant: a prompt (and the flow being edited) → a draft that passes the publish validator, or one
 * precise question, or "I can't do that yet, because …". Deterministic: no model, the catalog's own words.
 */
export function planFlow(request: PlanRequest, catalog: PlannerCatalog): Plan {
  const prompt = request.prompt.trim().replace(/\s+/g, ' ');
  if (!prompt) return { kind: 'question', question: 'What should the flow do? For example: "Send a welcome email when someone signs up".' };
  const lower = prompt.toLowerCase();
  const base = request.flow;
  let reading = readTrigger(prompt, catalog.webhookSources);
  if (!reading && !base) {
    return {
      kind: 'question',
      question:
        'What should start this flow: an event your app sends (for example "when someone signs up"), a provider webhook (for example "when a Stripe payment succeeds"), a schedule ("every Monday at 9am") or a manual run?',
    };
  }
  reading ??= readingOf(base!);
  let rest = lower;
  for (const phrase of reading.phrases) rest = rest.replace(phrase, ' ');
  const condition = rest.match(CONDITION);
  if (condition) rest = rest.replace(condition[0], ' ');
  const clauses = splitClauses(rest);

  const workspace = request.workspace ?? { installed: [], secrets: [], backendFunctions: false };
  const existing = base ? base.nodes : [];
  const earlier: EarlierNode[] = existing.filter((n): n is ActionNode => n.type === 'action').map((n) => ({ id: n.id, ref: n.action }));
  const ids = new Set(existing.map((n) => n.id));
  const added: FlowNode[] = [];
  const placeholders: Missing['inputs'] = [];
  for (const clause of clauses) {
    const choice = chooseAction(clause, catalog.integrations, workspace.installed, catalog.index.actions);
    if (!choice.ok) return { kind: 'unsupported', message: choice.reason };
    const mapped = mapInputs(choice.action, clause, reading, earlier);
    if (mapped.question) return { kind: 'question', question: mapped.question };
    const id = uniqueId(choice.action.ref.split('.')[1]!.split('@')[0]!.replace(/-/g, '_'), ids);
    added.push({ id, type: 'action', action: choice.action.ref, inputs: mapped.inputs });
    earlier.push({ id, ref: choice.action.ref });
    placeholders.push(...mapped.placeholders.map((p) => ({ nodeId: id, ...p })));
  }
  const gate = condition ? conditionNode(condition, reading, ids) : undefined;
  if (added.length === 0 && !gate && !(base && reading.trigger !== base.trigger)) {
    if (base && reading) return draftOf(request, catalog, base, { ...base, trigger: reading.trigger }, reading, placeholders);
    return { kind: 'question', question: 'What should happen then? For example: "send them a welcome email" or "post to #sales on Slack".' };
  }
  const draft = assemble(base, reading, gate, added);
  return draftOf(request, catalog, base, draft, reading, placeholders);
}

function draftOf(
  request: PlanRequest,
  catalog: PlannerCatalog,
  base: FlowDocument | undefined,
  draft: FlowDocument,
  reading: TriggerReading,
  inputs: Missing['inputs'],
): Plan {
  const problems = validateFlow(draft, catalog.index);
  if (problems.length > 0) {
    return { kind: 'unsupported', message: `I could not make a valid flow of that: ${problems.map((p) => p.message).join('; ')}` };
  }
  const missing = missingFor(draft, catalog, request.workspace ?? { installed: [], secrets: [], backendFunctions: false }, inputs);
  return { kind: 'draft', draft, explanation: explain(draft, reading, catalog, missing), missing, changes: changesBetween(base, draft) };
}

/** Trigger → (condition, true branch) → the base flow's nodes → the new actions, one after the other. */
function assemble(base: FlowDocument | undefined, reading: TriggerReading, gate: ConditionNode | undefined, added: FlowNode[]): FlowDocument {
  const nodes: FlowNode[] = [...(base?.nodes ?? [])];
  const edges: FlowEdge[] = [...(base?.edges ?? [])];
  if (gate) {
    // The condition goes right after the trigger: what the trigger led to now hangs off its true branch.
    for (const e of edges) if (e.from === TRIGGER_ID) Object.assign(e, { from: gate.id, branch: 'true' });
    nodes.unshift(gate);
    edges.unshift({ from: TRIGGER_ID, to: gate.id });
  }
  let tails = tailsOf(nodes, edges);
  if (tails.length === 0) tails = [{ from: TRIGGER_ID }];
  for (const node of added) {
    for (const t of tails) edges.push({ from: t.from, to: node.id, ...(t.branch ? { branch: t.branch } : {}) });
    nodes.push(node);
    tails = [{ from: node.id }];
  }
  const layout = Object.fromEntries(nodes.map((n, i) => [n.id, base?.layout?.[n.id] ?? { x: 0, y: 140 * (i + 1) }]));
  return { schemaVersion: 1, trigger: reading.trigger, nodes, edges, layout };
}

/** Where a new step attaches: the nodes nothing follows (a condition with no true edge yet: its true branch). */
function tailsOf(nodes: FlowNode[], edges: FlowEdge[]): { from: string; branch?: string }[] {
  return nodes
    .filter((n) => n.type !== 'end')
    .flatMap((n) => {
      const out = edges.filter((e) => e.from === n.id);
      if (n.type === 'condition') return out.some((e) => e.branch === 'true') ? [] : [{ from: n.id, branch: 'true' }];
      return out.length === 0 ? [{ from: n.id }] : [];
    });
}

function conditionNode(m: RegExpMatchArray, reading: TriggerReading, ids: Set<string>): ConditionNode {
  const words = m[1]!.trim();
  const field = reading.fields[words.replace(/\s+/g, '_')] ?? reading.fields[words.split(' ').pop()!] ?? `trigger.data.${words.replace(/\s+/g, '_')}`;
  const negate = /\bunless\b/.test(m[0]);
  const op = OPERATORS[m[2]!.replace(/\s+/g, ' ')] ?? '=';
  const raw = m[3]!.replace(/^["']|["']$/g, '');
  const numeric = /^\$?\d[\d,.]*$/.test(raw);
  let value = numeric ? raw.replace(/[$,]/g, '') : JSON.stringify(raw);
  // Stripe amounts are in the currency's smallest unit: "$100" is 10000.
  if (numeric && field.includes('data.object.amount') && raw.startsWith('$')) value = String(Math.round(Number(value) * 100));
  const test = m[2] === 'contains' || m[2] === 'includes' ? `$contains($string(${field}), ${value})` : `${field} ${op} ${value}`;
  const id = uniqueId(`only_if_${words.replace(/\s+/g, '_')}`.slice(0, 60), ids);
  return { id, type: 'condition', condition: negate ? `$not(${test})` : test, label: `${negate ? 'Unless' : 'Only if'} ${words} ${m[2]} ${raw}` };
}

/** Cut at commas, "then", "and also", and an "and" before an action verb ("…email them and post to #sales"). */
export function splitClauses(text: string): string[] {
  const verbs = ACTION_VERBS.join('|');
  return text
    .split(new RegExp(`\\s*(?:,|;|\\.\\s|\\s+and\\s+then\\s+|\\s+then\\s+|\\s+and\\s+also\\s+|\\s+also\\s+|\\s+and\\s+(?=(?:${verbs})\\b))\\s*`))
    .map((c) =>
      c
        .replace(/^(?:and|then|also|please|and then|afterwards|after that)\s+/g, '')
        .replace(/\b(?:instead|please)\b|\b(?:make|change|switch|set|move)\s+(?:it|this|the\s+flow|the\s+schedule)(?:\s+to)?\b/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((c) => c.length > 2 && (new RegExp(`\\b(?:${verbs})\\b`).test(c) || startsWithVerb(c)));
}

/** "fax the contract to …": an instruction the catalog has no action for is still an instruction (and gets a reason). */
function startsWithVerb(clause: string): boolean {
  if (clause.split(/\s+/).length < 3) return false;
  // An imperative's first word: a verb, or a noun used as one ("fax the contract") when a determiner follows it.
  return nlp(clause).match('^#Verb').found || nlp(clause).match('^#Noun (the|a|an|them|it|our|their|this)').found;
}

function readingOf(flow: FlowDocument): TriggerReading {
  const t = flow.trigger;
  const fields: Record<string, string> =
    t.type === 'event' ? Object.fromEntries(['email', 'name', 'phone', 'plan', 'amount', 'id', 'company'].map((f) => [f, `trigger.data.${f}`])) : {};
  return {
    trigger: t,
    summary: t.type === 'event' ? `when your app sends the event ${t.event}` : `when the ${t.type} trigger fires`,
    fields,
    phrases: [],
    notes: [],
  };
}

function uniqueId(stem: string, ids: Set<string>): string {
  let id = stem.replace(/[^a-zA-Z0-9_]/g, '_');
  for (let i = 2; ids.has(id); i++) id = `${stem}_${i}`;
  ids.add(id);
  return id;
}

/** A draft from elsewhere (the model path): what is missing and what changed, as for the planner's own drafts. */
export function completeDraft(request: PlanRequest, catalog: PlannerCatalog, draft: FlowDocument, explanation: string): Extract<Plan, { kind: 'draft' }> {
  const missing = missingFor(draft, catalog, request.workspace ?? { installed: [], secrets: [], backendFunctions: false }, []);
  return { kind: 'draft', draft, explanation, missing, changes: changesBetween(request.flow, draft) };
}

function missingFor(draft: FlowDocument, catalog: PlannerCatalog, ws: NonNullable<PlanRequest['workspace']>, inputs: Missing['inputs']): Missing {
  const used = new Map<string, IntegrationDefinition>();
  for (const n of draft.nodes)
    if (n.type === 'action') {
      const info = catalog.index.getAction(n.action);
      const i = info && catalog.integrations.find((x) => x.key === info.integration);
      if (i) used.set(i.key, i);
    }
  const setupVariables = [...used.values()].flatMap((i) =>
    (i.setup ?? [])
      .filter((v) => v.required !== false && !ws.secrets.includes(v.name))
      .map((v) => ({ name: v.name, integration: i.title, description: v.description, whereToGet: v.whereToGet })),
  );
  if (draft.trigger.type === 'webhook') {
    const source = catalog.webhookSources.find((s) => s.id === (draft.trigger as { source: string }).source);
    if (source && !ws.secrets.includes(source.secretVariable))
      setupVariables.push({
        name: source.secretVariable,
        integration: source.title,
        description: `${source.title} webhook signing secret`,
        whereToGet: source.whereToGet,
      });
  }
  return {
    integrations: [...used.values()].filter((i) => !i.instant && !ws.installed.includes(i.key)).map((i) => ({ key: i.key, title: i.title })),
    setupVariables,
    connections: [],
    backendFunctions: [...used.values()].some((i) => i.instant) && !ws.backendFunctions,
    inputs,
  };
}

function explain(draft: FlowDocument, reading: TriggerReading, catalog: PlannerCatalog, missing: Missing): string {
  const steps = draft.nodes.map((n) => {
    if (n.type === 'condition') return `checks ${n.label?.toLowerCase() ?? n.condition}`;
    if (n.type !== 'action') return n.type;
    const a = catalog.index.getAction(n.action);
    return `${a?.title.toLowerCase() ?? n.action} (${a?.integrationTitle ?? a?.integration})`;
  });
  const todo = [
    ...missing.integrations.map((i) => `install ${i.title}`),
    ...missing.setupVariables.map((v) => `add the secret ${v.name}`),
    ...(missing.backendFunctions ? ['turn on Backend functions in App Settings'] : []),
    ...missing.inputs.map((i) => `check ${i.nodeId}.${i.field}`),
  ];
  return [
    `It runs ${reading.summary}, then ${steps.join(', then ')}.`,
    ...reading.notes,
    todo.length ? `Before publishing: ${todo.join(', ')}.` : 'Nothing is missing: publish it when it looks right.',
  ].join(' ');
}

function changesBetween(base: FlowDocument | undefined, draft: FlowDocument) {
  const before = new Map((base?.nodes ?? []).map((n) => [n.id, JSON.stringify(n)]));
  const after = new Map(draft.nodes.map((n) => [n.id, JSON.stringify(n)]));
  const changed = [...after].filter(([id, json]) => before.has(id) && before.get(id) !== json).map(([id]) => id);
  if (base && JSON.stringify(base.trigger) !== JSON.stringify(draft.trigger)) changed.unshift(TRIGGER_ID);
  return {
    added: [...after.keys()].filter((id) => !before.has(id)),
    changed,
    removed: [...before.keys()].filter((id) => !after.has(id)),
  };
}
