import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils';
import proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { FlowDocument, toSnapshot } from '#core/flow';
import type { NodeDecision, RunFlowInput } from '#core/run';

/**
 * The golden flows whose recorded histories test/replay/replay.test.ts replays against the current
 * interpreter. Together they cover every node kind and every path through runFlow. Each name is the
 * file name of its history (test/replay/histories/<name>.json) and the workflow id it was recorded under.
 */
export interface GoldenFlow {
  name: string;
  doc: unknown;
  data: unknown;
  /** How the recorded run ended; the recorder refuses a history that ended otherwise. */
  expected: 'completed' | 'failed';
  /**
   * The flow parks: once `decide.nodeKey` is parked the recorder opens the peer's locked path and sends
   * this decision through the decideNode Update.
   */
  decide?: NodeDecision;
  /** Run with `options.record` (the parks and the end are reported by the local activity, as in production). Default false. */
  record?: boolean;
  /**
   * The run pauses for credits: the recorder opens the workspace `ws_golden_<name>` with `start` credits, waits
   * until `waitForNode` waits for credits, then adds `add` credits and signals the run, as the admin API does
   * (`add: 0`: nobody does).
   */
  credits?: { start: number; add: number; waitForNode: string };
  /** `options.giveUpAfter` of the run (how long a parked node, or one waiting for credits, waits). */
  giveUpAfter?: string;
  /** `options.historyEventLimit`: the run continues as new; the recorder also writes its first run as `<name>-first.json`. */
  historyEventLimit?: number;
  /** `options.forEachBatchItems`: a big loop's batch size; the recorder also writes the first batch as `<name>-batch.json`. */
  forEachBatchItems?: number;
}

/** Answers of the local HTTP peer the recorder starts; `flaky` answers 503 twice, then 200; `locked` answers 401 until the recorder opens it. */
export const PEER_PATHS = { user: '/user', echo: '/echo', missing: '/missing', bad: '/bad', flaky: '/flaky', locked: '/locked' } as const;

const fastRetry = { maximumAttempts: 4, initialInterval: '100ms', backoffCoefficient: 1 };

const get = (url: string, extra: Record<string, unknown> = {}) => ({ type: 'action', action: 'http.request@1', inputs: { url, ...extra }, retry: fastRetry });
const transform = (expression: string, data?: unknown) => ({
  type: 'action',
  action: 'data.transform@1',
  inputs: data === undefined ? { expression } : { data, expression },
});

/** A loop of 110 items, each doubled by a one-step body, then counted (batched with `forEachBatchItems`). */
const BATCHED_LOOP = {
  trigger: { type: 'manual' },
  nodes: [
    {
      id: 'each',
      type: 'forEach',
      items: '[1..110]',
      concurrency: 10,
      body: { nodes: [{ id: 'double', ...transform('data * 2', { $expr: 'item' }) }], edges: [{ from: 'each', to: 'double' }] },
    },
    { id: 'after', ...transform('$count(data)', { $expr: 'nodes.each' }) },
  ],
  edges: [
    { from: 'trigger', to: 'each' },
    { from: 'each', to: 'after' },
  ],
};

/** The golden flows, with their HTTP nodes pointed at `peer` (e.g. `http://127.0.0.1:1234`). */
export function goldenFlows(peer: string): GoldenFlow[] {
  const condition = {
    trigger: { type: 'manual' },
    nodes: [
      { id: 'check', type: 'condition', condition: 'trigger.data.plan = "pro"' },
      { id: 'yes', ...transform('"pro path"') },
      { id: 'no', ...transform('"free path"') },
      { id: 'after', ...transform('"joined"') },
    ],
    edges: [
      { from: 'trigger', to: 'check' },
      { from: 'check', to: 'yes', branch: 'true' },
      { from: 'check', to: 'no', branch: 'false' },
      { from: 'yes', to: 'after' },
      { from: 'no', to: 'after' },
    ],
  };
  const switchDoc = {
    trigger: { type: 'manual' },
    nodes: [
      { id: 'route', type: 'switch', value: 'trigger.data.plan', cases: ['free', 'pro'] },
      { id: 'free', ...transform('"free path"') },
      { id: 'pro', ...transform('"pro path"') },
      { id: 'other', ...transform('"default path"') },
    ],
    edges: [
      { from: 'trigger', to: 'route' },
      { from: 'route', to: 'free', branch: 'free' },
      { from: 'route', to: 'pro', branch: 'pro' },
      { from: 'route', to: 'other', branch: 'default' },
    ],
  };
  return [
    {
      // Both action kinds in a row; the guard test mutates the interpreter and replays this one.
      name: 'linear-actions',
      expected: 'completed',
      data: {},
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'fetch', ...get(`${peer}${PEER_PATHS.user}`) },
          { id: 'shape', ...transform('{ "greeting": "Hello " & data.name }', { $expr: 'nodes.fetch.body' }) },
        ],
        edges: [
          { from: 'trigger', to: 'fetch' },
          { from: 'fetch', to: 'shape' },
        ],
      },
    },
    { name: 'condition-true', expected: 'completed', data: { plan: 'pro' }, doc: condition },
    { name: 'condition-false', expected: 'completed', data: { plan: 'free' }, doc: condition },
    { name: 'switch-case', expected: 'completed', data: { plan: 'pro' }, doc: switchDoc },
    { name: 'switch-default', expected: 'completed', data: { plan: 'enterprise' }, doc: switchDoc },
    {
      name: 'parallel-join',
      expected: 'completed',
      data: {},
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'a', ...get(`${peer}${PEER_PATHS.user}`) },
          { id: 'b', ...get(`${peer}${PEER_PATHS.echo}`, { method: 'POST', body: { n: 2 } }) },
          { id: 'c', ...transform('3') },
          { id: 'join', ...transform('$sum(data)', { $expr: '[nodes.a.status, nodes.b.status, nodes.c.result]' }) },
        ],
        edges: [
          { from: 'trigger', to: 'a' },
          { from: 'trigger', to: 'b' },
          { from: 'trigger', to: 'c' },
          { from: 'a', to: 'join' },
          { from: 'b', to: 'join' },
          { from: 'c', to: 'join' },
        ],
      },
    },
    {
      name: 'delay',
      expected: 'completed',
      data: {},
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'before', ...transform('"before"') },
          { id: 'wait', type: 'delay', duration: '1s' },
          { id: 'after', ...transform('"after"') },
        ],
        edges: [
          { from: 'trigger', to: 'before' },
          { from: 'before', to: 'wait' },
          { from: 'wait', to: 'after' },
        ],
      },
    },
    {
      // 110 items (over the 100 run inline): two batches of 55 as child workflows (runFlowItems), joined.
      name: 'for-each-batches',
      expected: 'completed',
      data: {},
      forEachBatchItems: 55,
      doc: BATCHED_LOOP,
    },
    {
      // for-each-batches again, recorded with LIGHT_STEPS_PATCH: each batch's items run their one-step body directly.
      name: 'light-batches',
      expected: 'completed',
      data: {},
      forEachBatchItems: 55,
      doc: BATCHED_LOOP,
    },
    {
      // Twelve transforms in a row with a 30-event history limit: the run continues as new twice or more.
      name: 'continue-as-new',
      expected: 'completed',
      data: {},
      historyEventLimit: 30,
      doc: {
        trigger: { type: 'manual' },
        nodes: Array.from({ length: 12 }, (_, i) => ({
          id: `s${i}`,
          ...(i === 0 ? transform('1') : transform('data + 1', { $expr: `nodes.s${i - 1}.result` })),
        })),
        edges: Array.from({ length: 12 }, (_, i) => ({ from: i === 0 ? 'trigger' : `s${i - 1}`, to: `s${i}` })),
      },
    },
    {
      // Concurrency 2 over 5 items; odd items stop at the body's end node, even ones run a transform.
      name: 'for-each',
      expected: 'completed',
      data: { ids: [10, 11, 12, 13, 14] },
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          {
            id: 'each',
            type: 'forEach',
            items: 'trigger.data.ids',
            concurrency: 2,
            body: {
              nodes: [
                { id: 'post', ...get(`${peer}${PEER_PATHS.echo}`, { method: 'POST', body: { id: { $expr: 'item' }, at: { $expr: 'index' } } }) },
                { id: 'odd', type: 'condition', condition: 'item % 2 = 1' },
                { id: 'stop', type: 'end', output: { skipped: { $expr: 'item' } } },
                { id: 'double', ...transform('data * 2', { $expr: 'item' }) },
              ],
              edges: [
                { from: 'each', to: 'post' },
                { from: 'post', to: 'odd' },
                { from: 'odd', to: 'stop', branch: 'true' },
                { from: 'odd', to: 'double', branch: 'false' },
              ],
            },
          },
          { id: 'count', ...transform('$count(data)', { $expr: 'nodes.each.post.body.got.id' }) },
        ],
        edges: [
          { from: 'trigger', to: 'each' },
          { from: 'each', to: 'count' },
        ],
      },
    },
    {
      // The end node finishes the run while a long delay on another branch is still pending.
      name: 'end-node',
      expected: 'completed',
      data: { email: 'ada@example.com' },
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'done', type: 'end', output: { email: { $expr: 'trigger.data.email' } } },
          { id: 'slowBranch', type: 'delay', duration: '10m' },
        ],
        edges: [
          { from: 'trigger', to: 'done' },
          { from: 'trigger', to: 'slowBranch' },
        ],
      },
    },
    {
      name: 'retry',
      expected: 'completed',
      data: {},
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'call', ...get(`${peer}${PEER_PATHS.flaky}`) },
          { id: 'after', ...transform('data', { $expr: 'nodes.call.body.calls' }) },
        ],
        edges: [
          { from: 'trigger', to: 'call' },
          { from: 'call', to: 'after' },
        ],
      },
    },
    {
      name: 'error-branch',
      expected: 'completed',
      data: {},
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'call', ...get(`${peer}${PEER_PATHS.missing}`), onError: 'branch' },
          { id: 'ok', ...transform('"ok"') },
          { id: 'handle', ...transform('data', { $expr: 'nodes.call.error.status' }) },
        ],
        edges: [
          { from: 'trigger', to: 'call' },
          { from: 'call', to: 'ok' },
          { from: 'call', to: 'handle', branch: 'error' },
        ],
      },
    },
    {
      name: 'failed-run',
      expected: 'failed',
      data: {},
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          // Recorded before parking existed, when a failed node failed the run; `onError: 'fail'` keeps that
          // meaning if the flow is ever recorded again (the committed history replays without the patch).
          { id: 'call', ...get(`${peer}${PEER_PATHS.bad}`), onError: 'fail' },
          { id: 'never', ...transform('"never"') },
        ],
        edges: [
          { from: 'trigger', to: 'call' },
          { from: 'call', to: 'never' },
        ],
      },
    },
    {
      // Parking (the PARK_FAILED_NODES_PATCH path): a 401 is not retried, the node parks and the progress is
      // recorded; once the peer accepts, the decideNode Update retries the node (a new activity) and the run completes.
      name: 'park-retry',
      expected: 'completed',
      record: true,
      data: {},
      decide: { nodeKey: 'call', action: 'retry' },
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'call', ...get(`${peer}${PEER_PATHS.locked}`) },
          { id: 'after', ...transform('data', { $expr: 'nodes.call.body.ok' }) },
        ],
        edges: [
          { from: 'trigger', to: 'call' },
          { from: 'call', to: 'after' },
        ],
      },
    },
    {
      // A node failing on bad data (no activity at all): forEach over something that is not a list.
      name: 'failed-expression',
      expected: 'failed',
      data: { ids: 'not a list' },
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          {
            id: 'each',
            type: 'forEach',
            items: 'trigger.data.ids',
            concurrency: 1,
            body: { nodes: [{ id: 'x', ...transform('1') }], edges: [{ from: 'each', to: 'x' }] },
          },
        ],
        edges: [{ from: 'trigger', to: 'each' }],
      },
    },
    {
      // waitForWebhook: the wait is registered (an activity), no event comes, the timer fires, the timeout branch runs.
      name: 'wait-webhook-timeout',
      expected: 'completed',
      data: { orderId: 'ord_1' },
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          {
            id: 'paid',
            type: 'waitForWebhook',
            source: 'stripe',
            event: 'payment_intent.succeeded',
            match: { field: 'data.object.metadata.order_id', equals: { $expr: 'trigger.data.orderId' } },
            timeout: '500ms',
          },
          { id: 'thanks', ...transform('"paid"') },
          { id: 'remind', ...transform('"remind"') },
        ],
        edges: [
          { from: 'trigger', to: 'paid' },
          { from: 'paid', to: 'thanks' },
          { from: 'paid', to: 'remind', branch: 'timeout' },
        ],
      },
    },
    {
      // Out of credits (the CREDITS_PAUSE_PATCH path): the second request cannot be paid, the node waits for
      // credits (progress recorded, balance checked), then credits are added and signalled and it runs again.
      name: 'credits-pause',
      expected: 'completed',
      record: true,
      data: {},
      credits: { start: 1, add: 1, waitForNode: 'second' },
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'first', ...get(`${peer}${PEER_PATHS.user}`) },
          { id: 'second', ...get(`${peer}${PEER_PATHS.user}`) },
        ],
        edges: [
          { from: 'trigger', to: 'first' },
          { from: 'first', to: 'second' },
        ],
      },
    },
    {
      // Out of credits for good (the CREDITS_GIVE_UP_PATCH path): nobody adds credits, so after giveUpAfter the
      // waiting node fails with GaveUp, as a parked node does.
      name: 'credits-give-up',
      expected: 'failed',
      record: true,
      data: {},
      credits: { start: 0, add: 0, waitForNode: 'only' },
      giveUpAfter: '1s',
      doc: {
        trigger: { type: 'manual' },
        nodes: [{ id: 'only', ...get(`${peer}${PEER_PATHS.user}`) }],
        edges: [{ from: 'trigger', to: 'only' }],
      },
    },
    {
      // Code steps (code.run@1): one that fetches and logs, one that throws and takes its error branch.
      name: 'code-step',
      expected: 'completed',
      data: { name: 'ada' },
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          {
            id: 'code',
            type: 'code',
            language: 'typescript',
            source:
              "export default async (input: { name: string; url: string }, ctx: any) => {\n  const user = await (await ctx.fetch(input.url)).json();\n  ctx.log('user', input.name);\n  return { name: input.name.toUpperCase(), user };\n}",
            inputs: { name: { $expr: 'trigger.data.name' }, url: `${peer}${PEER_PATHS.user}` },
          },
          {
            id: 'fails',
            type: 'code',
            language: 'javascript',
            source: "export default () => { throw new Error('no') }",
            retry: { maximumAttempts: 1 },
            onError: 'branch',
          },
          { id: 'after', ...transform('data', { $expr: 'nodes.code.name' }) },
        ],
        edges: [
          { from: 'trigger', to: 'code' },
          { from: 'code', to: 'fails' },
          { from: 'fails', to: 'after', branch: 'error' },
        ],
      },
    },
    {
      // Mappings of plain paths read without JSONata (LIGHT_STEPS_PATCH), in parallel with a JSONata mapping, a node
      // without expressions and a loop whose body reads `item`.
      name: 'plain-paths',
      expected: 'completed',
      data: { id: 'evt_1', lines: [{ amount: 2 }, { amount: 3 }], customer: { email: 'a@b.c' } },
      doc: {
        trigger: { type: 'manual' },
        nodes: [
          { id: 'plain', ...get(`${peer}${PEER_PATHS.echo}`, { method: 'POST', body: { id: { $expr: 'trigger.data.id' }, customer: { $expr: 'trigger.data.customer' } } }) },
          { id: 'computed', ...transform('$sum(data)', { $expr: 'trigger.data.lines.amount' }) },
          { id: 'none', ...transform('"fixed"') },
          {
            id: 'each',
            type: 'forEach',
            items: 'trigger.data.lines',
            concurrency: 2,
            body: { nodes: [{ id: 'line', ...transform('data.amount', { $expr: 'item' }) }], edges: [{ from: 'each', to: 'line' }] },
          },
          { id: 'join', ...transform('data', { plain: { $expr: 'nodes.plain.status' }, computed: { $expr: 'nodes.computed.result' }, none: { $expr: 'nodes.none.result' } }) },
        ],
        edges: [
          { from: 'trigger', to: 'plain' },
          { from: 'trigger', to: 'computed' },
          { from: 'trigger', to: 'none' },
          { from: 'trigger', to: 'each' },
          { from: 'plain', to: 'join' },
          { from: 'computed', to: 'join' },
          { from: 'none', to: 'join' },
          { from: 'each', to: 'join' },
        ],
      },
    },
  ];
}

/** The workflow input of a golden flow, exactly as the recorder starts it. */
export function goldenInput(flow: GoldenFlow): RunFlowInput {
  return {
    snapshot: toSnapshot(FlowDocument.parse(flow.doc)),
    trigger: { type: 'manual', data: flow.data },
    options: {
      runId: `run_golden_${flow.name}`,
      workspaceId: flow.credits ? `ws_golden_${flow.name}` : 'ws_golden',
      flowId: 'flw_golden',
      version: 1,
      mode: 'live',
      actionDefaults: {},
      record: flow.record ?? false,
      ...(flow.giveUpAfter !== undefined ? { giveUpAfter: flow.giveUpAfter } : {}),
      ...(flow.historyEventLimit !== undefined ? { historyEventLimit: flow.historyEventLimit } : {}),
      ...(flow.forEachBatchItems !== undefined ? { forEachBatchItems: flow.forEachBatchItems } : {}),
    },
  };
}

/*
 * History files. They are ProtoJSON, the format of `historyToJSON` from @temporalio/common, of
 * `temporal workflow show --output json` and of the Web UI's download. We do not call the SDK's
 * historyToJSON/historyFromJSON: in this install @temporalio/common and @temporalio/proto each hold
 * their own copy of protobufjs 8 (the root has grpc's protobufjs 7), and the SDK's helpers then throw
 * "type must be a Type" (an instanceof check across the two copies). This does the same conversion with
 * the ProtoJSON codec of the protobufjs copy that @temporalio/proto itself uses.
 */
interface ProtoJsonCodec {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}
const requireFromProto = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
const protojson = requireFromProto('protobufjs/ext/protojson') as ProtoJsonCodec;
const historyType = (patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

/** A fetched history as ProtoJSON text (what `historyToJSON` writes). */
export function historyToJSONText(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

/** A ProtoJSON history (parsed) back to a History the replayer takes (what `historyFromJSON` does). */
export function historyFromJSONValue(json: unknown): History {
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length === 0) throw new TypeError('Not a history: expected an object with a non-empty array of events');
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
