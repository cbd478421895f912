/**
 * What decides whether a flow version may be published or started, written once: the API's publish and start path
 * (server/src/services) and the worker's scheduled starts (worker/src/schedules) read the workspace's plan and
 * settings and ask these pure functions.
 */
import type { CatalogIndex } from './catalog-sdk';
import { PlanInfos, planRequiredMessage, type Plan } from './credits';
import type { FlowSnapshot } from './flow';
import { walkNodes } from './graph';
import type { RunOptions } from './run';
import type { FlowProblem } from './validate';

/** The action nodes of a snapshot that use an integration (any action that is not free), by integration title. */
export function integrationUses(snapshot: FlowSnapshot, catalog: CatalogIndex): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  for (const { node } of walkNodes(snapshot)) {
    if (node.type !== 'action') continue;
    const info = catalog.getAction(node.action);
    if (!info || info.pricing?.kind === 'free') continue;
    // Named by title, as the worker's refusal names them.
    const name = info.integrationTitle ?? info.integration;
    uses.set(name, [...(uses.get(name) ?? []), node.id]);
  }
  return uses;
}

/** Problems of a plan without integrations (Free): one naming the plan and every integration node; one for a schedule trigger. */
export function planProblemsFor(plan: Plan, snapshot: FlowSnapshot, catalog: CatalogIndex): FlowProblem[] {
  const info = PlanInfos[plan];
  const problems: FlowProblem[] = [];
  const uses = integrationUses(snapshot, catalog);
  if (uses.size > 0 && !info.integrations) {
    const nodes = [...uses.values()]
      .flat()
      .map((id) => `"${id}"`)
      .join(', ');
    problems.push({
      code: 'PLAN_REQUIRED',
      nodeId: [...uses.values()][0]![0]!,
      message: planRequiredMessage([...uses.keys()], `nodes ${nodes}; this workspace is on the ${info.title} plan`),
    });
  }
  if (snapshot.trigger.type === 'schedule' && !info.schedules) {
    problems.push({
      code: 'PLAN_REQUIRED',
      field: 'trigger',
      message: `Builder plan required: flows that run on a schedule need the Builder or Pro plan, and this workspace is on the ${info.title} plan. Upgrade the workspace, or start the flow by an app event or by hand.`,
    });
  }
  return problems;
}

/** Whether the plan check needs the workspace's plan at all (no integration and no schedule: nothing to check). */
export function needsPlanCheck(snapshot: FlowSnapshot, catalog: CatalogIndex): boolean {
  return snapshot.trigger.type === 'schedule' || integrationUses(snapshot, catalog).size > 0;
}

/** What a node that needs Backend functions is: a code step, the generic HTTP action, or an imported integration's action. */
export type InstantKind = 'code' | 'http' | 'imported';

/**
 * The nodes that need App Settings' Backend functions switch: instant integrations (the generic HTTP action and the
 * actions of integrations imported from OpenAPI documents) and code steps.
 */
export function instantIntegrationNodes(snapshot: FlowSnapshot, catalog: CatalogIndex): { id: string; code: boolean; kind: InstantKind }[] {
  return [...walkNodes(snapshot)]
    .filter(({ node }) => node.type === 'code' || (node.type === 'action' && catalog.getAction(node.action)?.instant === true))
    .map(({ node }) => {
      const kind: InstantKind = node.type === 'code' ? 'code' : node.type === 'action' && node.action.startsWith('x-') ? 'imported' : 'http';
      return { id: node.id, code: kind === 'code', kind };
    });
}

const KIND_WORDS: Record<InstantKind, [string, string]> = {
  code: ['is a code step', 'code steps'],
  http: ['uses the generic HTTP action', 'the generic HTTP action'],
  imported: ['uses an imported integration (instant)', 'imported integrations (instant)'],
};

/** The problem of those nodes while Backend functions are off (none when `nodes` is empty). */
export function backendFunctionsProblemsFor(nodes: { id: string; code: boolean; kind?: InstantKind }[]): FlowProblem[] {
  if (nodes.length === 0) return [];
  const names = nodes.map((n) => `"${n.id}"`).join(', ');
  const kinds = [...new Set(nodes.map((n) => n.kind ?? (n.code ? 'code' : 'http')))];
  const what =
    nodes.length === 1
      ? `${KIND_WORDS[kinds[0]!][0]}, which needs them`
      : kinds.length === 1 && kinds[0] === 'code'
        ? 'are code steps, which need them'
        : `use ${kinds.map((k) => KIND_WORDS[k][1]).join(' or ')}, which need them`;
  return [
    {
      code: 'BACKEND_FUNCTIONS_OFF',
      nodeId: nodes[0]!.id,
      message:
        `Backend functions are off for this workspace, and node${nodes.length === 1 ? '' : 's'} ${names} ${what}. ` +
        'Switch on Backend functions in App Settings (PATCH /api/settings {"backendFunctions": true}), or use a ready-made integration from the catalog.',
    },
  ];
}

/** Temporal's 2 MiB payload limit, less room for the run's options. */
export const RUN_INPUT_MAX_BYTES = 2 * 1024 * 1024 - 64 * 1024;

/**
 * Why a run's input (the version and the trigger's data, one Temporal payload of at most 2 MiB with the options)
 * cannot start, or undefined when it fits.
 */
export function runInputTooLarge(input: { snapshot: FlowSnapshot; trigger: unknown }): string | undefined {
  const bytes = new TextEncoder().encode(JSON.stringify({ snapshot: input.snapshot, trigger: input.trigger })).length;
  if (bytes <= RUN_INPUT_MAX_BYTES) return undefined;
  return `This run's input (the flow version and the trigger's data) is ${bytes} bytes, over the ${RUN_INPUT_MAX_BYTES} bytes a run can start with; send less data (keep large data elsewhere and pass a reference)`;
}

/** Catalog defaults (retry, timeout) for each action in the snapshot, frozen into the run's input. */
export function actionDefaultsOf(snapshot: FlowSnapshot, catalog: CatalogIndex): RunOptions['actionDefaults'] {
  const out: RunOptions['actionDefaults'] = {};
  for (const { node } of walkNodes(snapshot)) {
    if (node.type !== 'action' || out[node.action]) continue;
    const info = catalog.getAction(node.action);
    if (info)
      out[node.action] = {
        ...(info.retry ? { retry: info.retry } : {}),
        ...(info.timeout ? { timeout: info.timeout } : {}),
        ...(info.queue ? { queue: info.queue } : {}),
        ...(info.local ? { local: info.local } : {}),
      };
  }
  return out;
}
