import { describe, expect, it } from 'vitest';
import { catalog } from '#catalog';
import { FlowDocument, type FlowEdge } from './flow';
import { outputSchemaOf, ProblemCodes, validateFlow, type FlowProblem } from './validate';

// Builders for the document's plain JSON; `FlowDocument.parse` fills the defaults, as the server does.
type Json = Record<string, unknown>;
const fetch = (id = 'fetch', inputs: Json = { url: 'https://api.example.com/users' }, extra: Json = {}) => ({
  id,
  type: 'action',
  action: 'http.request@1',
  inputs,
  ...extra,
});
const transform = (id: string, inputs: Json = { data: { $expr: 'nodes.fetch.body' }, expression: 'data.name' }) => ({
  id,
  type: 'action',
  action: 'data.transform@1',
  inputs,
});
const condition = (id: string, expr: string) => ({ id, type: 'condition', condition: expr });
const delay = (id: string) => ({ id, type: 'delay', duration: '1s' });
const end = (id: string, output?: unknown) => ({ id, type: 'end', ...(output === undefined ? {} : { output }) });
const forEach = (id: string, items: string, body: { nodes: unknown[]; edges: FlowEdge[] }) => ({ id, type: 'forEach', items, body });
const edge = (from: string, to: string, branch?: string): FlowEdge => (branch === undefined ? { from, to } : { from, to, branch });
/** Edges along a path: chain('trigger', 'a', 'b') is trigger → a → b. */
const chain = (...ids: string[]): FlowEdge[] => ids.slice(1).map((to, i) => edge(ids[i]!, to));

function validate(nodes: unknown[], edges: FlowEdge[]): FlowProblem[] {
  return validateFlow(FlowDocument.parse({ trigger: { type: 'event', event: 'user.signed_up' }, nodes, edges }), catalog);
}

/** trigger → one node, plus what the test adds. */
function validateAfter(nodes: unknown[], edges: FlowEdge[] = []): FlowProblem[] {
  const first = (nodes[0] as { id: string }).id;
  return validate(nodes, [edge('trigger', first), ...edges]);
}

const codes = (problems: FlowProblem[]) => problems.map((p) => p.code);

describe('validateFlow: valid flows', () => {
  it('accepts event trigger → http.request → condition → data.transform on the true branch', () => {
    const problems = validate(
      [
        fetch('fetch', { url: { $expr: '"https://api.example.com/users/" & trigger.data.id' }, method: 'GET', headers: { accept: 'application/json' } }),
        condition('ok', 'nodes.fetch.status = 200 and nodes.fetch.body.active'),
        transform('shape', { data: { $expr: 'nodes.fetch.body' }, expression: '{ "name": data.first & " " & data.last }' }),
      ],
      [...chain('trigger', 'fetch', 'ok'), edge('ok', 'shape', 'true')],
    );
    expect(problems).toEqual([]);
  });

  it('accepts every node kind, both condition branches, a switch, an error branch and nested forEach bodies', () => {
    const problems = validate(
      [
        fetch('fetch', { url: 'https://api.example.com/orders' }, { onError: 'branch' }),
        { id: 'route', type: 'switch', value: 'nodes.fetch.body.plan', cases: ['free', 'pro'] },
        delay('wait'),
        forEach('orders', 'nodes.fetch.body.orders', {
          nodes: [
            condition('big', 'item.total > 100 and index < 10 and nodes.fetch.status = 200'),
            forEach('lines', 'item.lines', { nodes: [transform('line', { data: { $expr: 'item' }, expression: 'data.sku' })], edges: chain('lines', 'line') }),
            end('small', { order: { $expr: 'item' } }),
          ],
          edges: [edge('orders', 'big'), edge('big', 'lines', 'true'), edge('big', 'small', 'false')],
        }),
        end('done', { orders: { $expr: 'nodes.orders' }, kind: { $expr: 'nodes.route.branch' }, waited: { $expr: 'nodes.wait.delayedMs' } }),
        end('failed', { why: { $expr: 'nodes.fetch.error.message' }, status: { $expr: 'nodes.fetch.error.status' } }),
      ],
      [
        edge('trigger', 'fetch'),
        edge('fetch', 'route'),
        edge('fetch', 'failed', 'error'),
        edge('route', 'wait', 'pro'),
        edge('route', 'orders', 'free'),
        edge('route', 'orders', 'default'),
        edge('wait', 'orders'),
        edge('orders', 'done'),
      ],
    );
    expect(problems).toEqual([]);
  });

  it('ignores expressions inside $literal', () => {
    expect(validateAfter([end('done', { raw: { $literal: { $expr: 'nodes.ghost.(' } } })])).toEqual([]);
  });
});

describe('validateFlow: structure', () => {
  it('reports an empty flow', () => {
    expect(validate([], [])).toEqual([{ code: 'EMPTY_FLOW', message: expect.stringMatching(/no nodes/) }]);
  });

  it('reports duplicate ids at the top level', () => {
    const problems = validate([delay('a'), delay('a')], chain('trigger', 'a'));
    expect(problems).toContainEqual(expect.objectContaining({ code: 'DUPLICATE_NODE_ID', nodeId: 'a' }));
    expect(problems.filter((p) => p.code === 'DUPLICATE_NODE_ID')).toHaveLength(1);
  });

  it('reports duplicate ids inside a forEach body, and between a body and the top level', () => {
    const inBody = validateAfter([forEach('loop', '[1,2]', { nodes: [delay('x'), delay('x')], edges: chain('loop', 'x') })]);
    expect(inBody).toContainEqual(expect.objectContaining({ code: 'DUPLICATE_NODE_ID', nodeId: 'x' }));

    const across = validate(
      [forEach('loop', '[1,2]', { nodes: [delay('wait')], edges: chain('loop', 'wait') }), delay('wait')],
      chain('trigger', 'loop', 'wait'),
    );
    expect(across).toContainEqual(expect.objectContaining({ code: 'DUPLICATE_NODE_ID', nodeId: 'wait', message: expect.stringContaining('"wait"') }));
  });

  it('reports an edge from a node that does not exist, on the node it goes to', () => {
    const problems = validateAfter([delay('a')], [edge('ghost', 'a')]);
    expect(problems).toEqual([expect.objectContaining({ code: 'DANGLING_EDGE', nodeId: 'a', message: expect.stringContaining('"ghost"') })]);
  });

  it('reports an edge to a node that does not exist, on the node it comes from', () => {
    const problems = validateAfter([delay('a')], [edge('a', 'ghost')]);
    expect(problems).toEqual([expect.objectContaining({ code: 'DANGLING_EDGE', nodeId: 'a', message: expect.stringContaining('"ghost"') })]);
  });

  it('reports edges that cross into or out of a forEach body as dangling', () => {
    const problems = validate(
      [delay('before'), forEach('loop', '[1]', { nodes: [delay('inner')], edges: [edge('loop', 'inner'), edge('before', 'inner')] })],
      [...chain('trigger', 'before', 'loop'), edge('loop', 'inner')],
    );
    expect(problems.filter((p) => p.code === 'DANGLING_EDGE').map((p) => p.nodeId)).toEqual(['loop', 'inner']);
  });

  it('reports a condition edge without a true/false label, or with another label', () => {
    const problems = validateAfter([condition('ok', 'true'), delay('a'), delay('b')], [edge('ok', 'a'), edge('ok', 'b', 'maybe')]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'INVALID_BRANCH', nodeId: 'ok', field: 'edges', message: expect.stringContaining('"true" or "false"') }),
      expect.objectContaining({ code: 'INVALID_BRANCH', nodeId: 'ok', field: 'edges', message: expect.stringContaining('labelled "maybe"') }),
    ]);
  });

  it('reports an edge out of an end node', () => {
    const problems = validateAfter([end('done'), delay('after')], [edge('done', 'after')]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'INVALID_BRANCH', nodeId: 'done', field: 'edges', message: expect.stringContaining('no outgoing edges') }),
    ]);
  });

  it('reports switch cases that do not exist and error edges without onError: branch', () => {
    const problems = validateAfter(
      [{ id: 'route', type: 'switch', value: '"a"', cases: ['a'] }, fetch('fetch'), delay('x')],
      [edge('route', 'fetch', 'a'), edge('route', 'x', 'b'), edge('fetch', 'x', 'error')],
    );
    expect(problems.map((p) => [p.code, p.nodeId, p.field])).toEqual([
      ['INVALID_BRANCH', 'route', 'edges'],
      ['INVALID_BRANCH', 'fetch', 'edges'],
    ]);
  });

  it('reports a labelled edge from the trigger or from a forEach start', () => {
    const top = validate([delay('a')], [edge('trigger', 'a', 'true')]);
    expect(top).toEqual([expect.objectContaining({ code: 'INVALID_BRANCH', nodeId: 'a', field: 'edges' })]);
    const body = validateAfter([forEach('loop', '[1]', { nodes: [delay('inner')], edges: [edge('loop', 'inner', 'true')] })]);
    expect(body).toEqual([expect.objectContaining({ code: 'INVALID_BRANCH', nodeId: 'inner', field: 'edges' })]);
  });

  it('reports a duplicate edge once, but not the same pair on different branches', () => {
    const problems = validateAfter([delay('a'), delay('b')], [edge('a', 'b'), edge('a', 'b')]);
    expect(problems).toEqual([expect.objectContaining({ code: 'DUPLICATE_EDGE', nodeId: 'b', message: expect.stringContaining('a → b') })]);
    expect(validateAfter([condition('ok', 'true'), delay('b')], [edge('ok', 'b', 'true'), edge('ok', 'b', 'false')])).toEqual([]);
  });

  it('reports a duplicate edge inside a forEach body', () => {
    const problems = validateAfter([forEach('loop', '[1]', { nodes: [delay('inner')], edges: [edge('loop', 'inner'), edge('loop', 'inner')] })]);
    expect(problems).toEqual([expect.objectContaining({ code: 'DUPLICATE_EDGE', nodeId: 'inner' })]);
  });

  it('reports nodes the trigger cannot reach, also behind other unreachable nodes', () => {
    const problems = validate([delay('a'), delay('island'), delay('behind')], [edge('trigger', 'a'), edge('island', 'behind')]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'UNREACHABLE_NODE', nodeId: 'island', message: expect.stringContaining('the trigger') }),
      expect.objectContaining({ code: 'UNREACHABLE_NODE', nodeId: 'behind' }),
    ]);
  });

  it('reports body nodes the start of their forEach cannot reach', () => {
    const problems = validateAfter([forEach('loop', '[1]', { nodes: [delay('inner'), delay('stray')], edges: chain('loop', 'inner') })]);
    expect(problems).toEqual([expect.objectContaining({ code: 'UNREACHABLE_NODE', nodeId: 'stray', message: expect.stringContaining('forEach "loop"') })]);
  });

  it('reports a cycle once, listing its path', () => {
    const problems = validate([delay('a'), delay('b'), delay('c')], [...chain('trigger', 'a', 'b', 'c'), edge('c', 'a'), edge('c', 'b')]);
    expect(problems).toEqual([expect.objectContaining({ code: 'CYCLE', nodeId: 'a', message: expect.stringContaining('a → b → c → a') })]);
  });

  it('reports a self-loop, and a cycle inside a forEach body', () => {
    expect(validateAfter([delay('a')], [edge('a', 'a')])).toEqual([
      expect.objectContaining({ code: 'CYCLE', nodeId: 'a', message: expect.stringContaining('a → a') }),
    ]);
    const body = validateAfter([forEach('loop', '[1]', { nodes: [delay('x'), delay('y')], edges: [...chain('loop', 'x', 'y'), edge('y', 'x')] })]);
    expect(body).toEqual([expect.objectContaining({ code: 'CYCLE', nodeId: 'x', message: expect.stringContaining('x → y → x') })]);
  });
});

describe('validateFlow: actions', () => {
  it('reports an action that is not in the catalog (unknown name or major version), without input checks', () => {
    const problems = validateAfter(
      [
        { id: 'a', type: 'action', action: 'http.nope@1', inputs: { whatever: 1 } },
        { id: 'b', type: 'action', action: 'http.request@2', inputs: {} },
      ],
      [edge('trigger', 'b')],
    );
    expect(problems).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_ACTION', nodeId: 'a', field: 'action', message: expect.stringContaining('"http.nope@1"') }),
      expect.objectContaining({ code: 'UNKNOWN_ACTION', nodeId: 'b', field: 'action', message: expect.stringContaining('"http.request@2"') }),
    ]);
  });

  it('reports a missing required input, but not inputs with defaults', () => {
    const problems = validateAfter([fetch('fetch', { method: 'POST' }), transform('shape', { data: 1 })], [edge('fetch', 'shape')]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'MISSING_INPUT', nodeId: 'fetch', field: 'inputs.url', message: expect.stringContaining('HTTP request') }),
      expect.objectContaining({ code: 'MISSING_INPUT', nodeId: 'shape', field: 'inputs.expression' }),
    ]);
  });

  it('reports an input the action does not take, listing the ones it does', () => {
    const problems = validateAfter([fetch('fetch', { url: 'https://x.example', urll: 'typo' })]);
    expect(problems).toEqual([expect.objectContaining({ code: 'UNKNOWN_INPUT', nodeId: 'fetch', field: 'inputs.urll' })]);
    expect(problems[0]!.message).toMatch(/takes url, method, headers, query, body, bodyFile, responseAs, failOnErrorStatus, auth, timeoutMs/);
  });

  it('accepts every input the action declares', () => {
    const inputs = { url: 'https://x.example', method: 'POST', headers: {}, query: { a: 1 }, body: { b: [1] }, failOnErrorStatus: false, timeoutMs: 1000 };
    expect(validateAfter([fetch('fetch', inputs)])).toEqual([]);
  });
});

describe('validateFlow: expressions', () => {
  it('reports a syntax error with its position, in each place expressions live', () => {
    const problems = validateAfter(
      [
        condition('ok', 'nodes.fetch.status = '),
        { id: 'route', type: 'switch', value: 'trigger.(', cases: ['a'] },
        forEach('loop', '[1, 2', { nodes: [], edges: [] }),
        fetch('fetch', { url: 'https://x.example', headers: { 'x-id': { $expr: 'trigger.data.id +' } } }),
        end('done', { list: [1, { $expr: '$count(' }] }),
      ],
      [edge('ok', 'route', 'true'), edge('route', 'loop', 'a'), edge('loop', 'fetch'), edge('fetch', 'done')],
    );
    expect(problems.map((p) => [p.code, p.nodeId, p.field])).toEqual([
      ['INVALID_EXPRESSION', 'ok', 'condition'],
      ['INVALID_EXPRESSION', 'route', 'value'],
      ['INVALID_EXPRESSION', 'loop', 'items'],
      ['INVALID_EXPRESSION', 'fetch', 'inputs.headers.x-id'],
      ['INVALID_EXPRESSION', 'done', 'output.list.1'],
    ]);
    for (const p of problems) expect(p.message).toMatch(/at position \d+/);
    expect(problems[0]!.message).toContain('Node "ok", condition:');
  });
});

describe('validateFlow: references', () => {
  it('reports a reference to a node that does not exist', () => {
    const problems = validateAfter([fetch('fetch'), condition('ok', 'nodes.fecth.status = 200')], [edge('fetch', 'ok')]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_REFERENCE', nodeId: 'ok', field: 'condition', message: expect.stringContaining('no node "fecth"') }),
    ]);
  });

  it('reports a reference to a sibling parallel branch', () => {
    const problems = validate([fetch('a'), fetch('b', { url: { $expr: 'nodes.a.body.next' } })], [edge('trigger', 'a'), edge('trigger', 'b')]);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'NOT_UPSTREAM', nodeId: 'b', field: 'inputs.url', message: expect.stringContaining('does not run before "b"') }),
    ]);
  });

  it('reports references to a node downstream, and to the node itself', () => {
    const problems = validateAfter([condition('ok', 'nodes.ok.result'), end('done', { $expr: 'nodes.done' })], [edge('ok', 'done', 'true')]);
    expect(problems.map((p) => [p.code, p.nodeId, p.field])).toEqual([
      ['NOT_UPSTREAM', 'ok', 'condition'],
      ['NOT_UPSTREAM', 'done', 'output'],
    ]);
  });

  it('reports references into a forEach body from outside it, and between sibling bodies', () => {
    const problems = validate(
      [
        forEach('one', '[1]', { nodes: [delay('w1')], edges: chain('one', 'w1') }),
        forEach('two', '[1]', { nodes: [end('w2', { $expr: 'nodes.w1' })], edges: chain('two', 'w2') }),
        end('after', { $expr: 'nodes.w2' }),
      ],
      chain('trigger', 'one', 'two', 'after'),
    );
    expect(problems.map((p) => [p.code, p.nodeId, p.field])).toEqual([
      ['NOT_UPSTREAM', 'w2', 'output'],
      ['NOT_UPSTREAM', 'after', 'output'],
    ]);
  });

  it('reports an output field that does not exist, listing the fields there are', () => {
    const problems = validateAfter([fetch('fetch'), condition('ok', 'nodes.fetch.bodyy.id = 1')], [edge('fetch', 'ok')]);
    expect(problems).toEqual([expect.objectContaining({ code: 'UNKNOWN_OUTPUT_FIELD', nodeId: 'ok', field: 'condition' })]);
    expect(problems[0]!.message).toMatch(/nodes\.fetch\.bodyy does not exist; "fetch" outputs status, headers, body/);
  });

  it('checks the output fields of built-in node types and data.transform', () => {
    const problems = validateAfter(
      [
        condition('ok', 'true'),
        delay('wait'),
        transform('shape', { expression: '1' }),
        end('done', { a: { $expr: 'nodes.ok.value' }, b: { $expr: 'nodes.wait.ms' }, c: { $expr: 'nodes.shape.output' } }),
      ],
      [edge('ok', 'wait', 'true'), edge('wait', 'shape'), edge('shape', 'done')],
    );
    expect(problems.map((p) => [p.code, p.nodeId, p.field])).toEqual([
      ['UNKNOWN_OUTPUT_FIELD', 'done', 'output.a'],
      ['UNKNOWN_OUTPUT_FIELD', 'done', 'output.b'],
      ['UNKNOWN_OUTPUT_FIELD', 'done', 'output.c'],
    ]);
    expect(problems.map((p) => p.message.split('; ')[1])).toEqual([
      '"ok" outputs result there',
      '"wait" outputs delayedMs there',
      '"shape" outputs result there',
    ]);
  });

  it('accepts any path under open JSON outputs and whole-node references', () => {
    const output = {
      a: { $expr: 'nodes.fetch.body.anything.deep[0].er' },
      b: { $expr: 'nodes.fetch.headers.etag' },
      c: { $expr: 'nodes.fetch' },
      d: { $expr: 'nodes.shape.result.whatever' },
      e: { $expr: 'trigger.data.anything' },
      f: { $expr: '$count(nodes.fetch.body.items[price > 10])' },
    };
    expect(validateAfter([fetch('fetch'), transform('shape'), end('done', output)], chain('fetch', 'shape', 'done'))).toEqual([]);
  });

  it('lets forEach body nodes read outer upstream nodes, earlier body nodes, item and index', () => {
    const body = {
      nodes: [
        transform('shape', { data: { item: { $expr: 'item' }, n: { $expr: 'index' }, user: { $expr: 'nodes.fetch.body.user' } }, expression: 'data' }),
        end('inner', { $expr: 'nodes.shape.result & nodes.fetch.status & item.name' }),
      ],
      edges: chain('loop', 'shape', 'inner'),
    };
    expect(validateAfter([fetch('fetch'), forEach('loop', 'nodes.fetch.body.items', body)], chain('fetch', 'loop'))).toEqual([]);
  });

  it('checks references inside a forEach body against the body and the outer upstream nodes', () => {
    const body = {
      nodes: [end('inner', { a: { $expr: 'nodes.later.status' }, b: { $expr: 'nodes.fetch.bodyy' }, c: { $expr: 'nodes.loop' } })],
      edges: chain('loop', 'inner'),
    };
    const problems = validateAfter([fetch('fetch'), forEach('loop', '[1]', body), fetch('later')], chain('fetch', 'loop', 'later'));
    expect(problems.map((p) => [p.code, p.nodeId, p.field])).toEqual([
      ['NOT_UPSTREAM', 'inner', 'output.a'],
      ['UNKNOWN_OUTPUT_FIELD', 'inner', 'output.b'],
      ['NOT_UPSTREAM', 'inner', 'output.c'],
    ]);
  });

  it('lets later nodes read fields of the body nodes through the forEach output list', () => {
    const body = { nodes: [transform('shape', { expression: '1' })], edges: chain('loop', 'shape') };
    expect(validateAfter([forEach('loop', '[1, 2]', body), end('done', { $expr: 'nodes.loop.shape.result' })], chain('loop', 'done'))).toEqual([]);
  });

  it('lets nodes after an onError: branch action read its error, and checks the error fields', () => {
    const nodes = [
      fetch('fetch', { url: 'https://x.example' }, { onError: 'branch' }),
      end('failed', { why: { $expr: 'nodes.fetch.error.message' }, code: { $expr: 'nodes.fetch.error.code' } }),
    ];
    const problems = validateAfter(nodes, [edge('fetch', 'failed', 'error')]);
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'UNKNOWN_OUTPUT_FIELD',
        nodeId: 'failed',
        field: 'output.code',
        message: expect.stringContaining('outputs message, type, status'),
      }),
    ]);
    // Without onError: branch there is no error output.
    expect(validateAfter([fetch('fetch'), end('done', { $expr: 'nodes.fetch.error' })], chain('fetch', 'done'))).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_OUTPUT_FIELD', nodeId: 'done', field: 'output' }),
    ]);
  });

  it('does not report body references as not upstream when the outer graph has a cycle', () => {
    const body = { nodes: [end('inner', { $expr: 'nodes.fetch.status' })], edges: chain('loop', 'inner') };
    const problems = validateAfter(
      [fetch('fetch'), forEach('loop', 'nodes.fetch.body', body), delay('a'), delay('b')],
      [...chain('fetch', 'loop', 'a', 'b'), edge('b', 'a')],
    );
    expect(codes(problems)).toEqual(['CYCLE']);
  });
});

describe('validateFlow: literal inputs are checked as the run checks them', () => {
  const slack = (inputs: Json) => ({ id: 'post', type: 'action', action: 'slack.post-message@1', inputs });

  it('an empty Slack channel and text, a URL that is not one, a method that does not exist: each named by node and field', () => {
    expect(validateAfter([slack({ channel: '', text: '' })])).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', nodeId: 'post', field: 'inputs.channel', message: expect.stringMatching(/"channel" is empty/) }),
      expect.objectContaining({ code: 'INVALID_INPUT', nodeId: 'post', field: 'inputs.text' }),
    ]);
    expect(validateAfter([fetch('fetch', { url: 'not a url', method: 'FETCH' })]).map((p) => [p.code, p.field])).toEqual([
      ['INVALID_INPUT', 'inputs.url'],
      ['INVALID_INPUT', 'inputs.method'],
    ]);
  });

  it('expressions are left to the run; `$literal` values are checked unwrapped; valid literals pass', () => {
    expect(validateAfter([slack({ channel: { $expr: 'trigger.data.channel' }, text: 'Hi' })])).toEqual([]);
    expect(validateAfter([fetch('fetch', { url: { $literal: 'https://api.example.com' }, headers: { 'x-id': { $expr: 'trigger.data.id' } } })])).toEqual([]);
    expect(codes(validateAfter([fetch('fetch', { url: { $literal: 'nope' } })]))).toEqual(['INVALID_INPUT']);
    expect(validateAfter([slack({ channel: '#general', text: 'Hello' })])).toEqual([]);
  });
});

describe('validateFlow: every problem', () => {
  it('covers every ProblemCode, each with a message and (except an empty flow) a node id', () => {
    const seen = new Map<string, FlowProblem>();
    const collect = (problems: FlowProblem[]) => problems.forEach((p) => seen.set(p.code, p));
    collect(validate([], []));
    collect(
      validate(
        [
          fetch('fetch', { urll: 'x' }),
          { id: 'x', type: 'action', action: 'nope.nope@1', inputs: {} },
          condition('ok', 'nodes.fetch.bodyy and nodes.ghost and nodes.side and ('),
          condition('ok2', 'nodes.fetch.bodyy and nodes.ghost and nodes.side'),
          delay('side'),
          delay('side'),
          delay('island'),
          delay('c1'),
          delay('c2'),
        ],
        [
          edge('trigger', 'fetch'),
          edge('fetch', 'ok'),
          edge('fetch', 'ok2'),
          edge('fetch', 'ok2'),
          edge('ok2', 'fetch'),
          edge('trigger', 'side'),
          edge('side', 'ghost'),
          edge('c1', 'c2'),
          edge('c2', 'c1'),
        ],
      ),
    );
    collect(
      validate(
        [fetch('fetch'), condition('ok', 'nodes.fetch.bodyy or nodes.ghost or nodes.side'), delay('side')],
        [edge('trigger', 'fetch'), edge('fetch', 'ok'), edge('trigger', 'side')],
      ),
    );
    collect(validateAfter([fetch('fetch', { url: 'not a url' })]));
    collect(validateAfter([fetch(), fetch('next', { url: { $expr: 'nodes.fetch.headers' } })], [edge('fetch', 'next')]));
    // A respond node answers an invoke: under an event trigger nobody waits for it.
    collect(validateAfter([{ id: 'ack', type: 'respond', output: { ok: true } }]));
    // MISSING_SETUP_VARIABLE needs the workspace's secrets, PLAN_REQUIRED its plan, BACKEND_FUNCTIONS_OFF its App
    // Settings, INVALID_SCHEDULE the server's minimum interval: the server adds them at publish (test/api/catalog.test.ts,
    // test/credits/credits.test.ts, test/schedules/schedules.test.ts; core/src/schedule.test.ts); so it does
    // CODE_INVALID and UNDECLARED_SECRET, which need the compiler (test/workflows/code-steps.test.ts).
    expect([...seen.keys()].sort()).toEqual(
      Object.keys(ProblemCodes)
        .filter(
          (c) =>
            ![
              'MISSING_SETUP_VARIABLE',
              'SETUP_TEST_ONLY',
              'INVALID_SCHEDULE',
              'PLAN_REQUIRED',
              'BACKEND_FUNCTIONS_OFF',
              'CODE_INVALID',
              'UNDECLARED_SECRET',
              // The workspace's OAuth connections: the server adds them at publish (test/oauth/connect.test.ts).
              'MISSING_CONNECTION',
              'WRONG_CONNECTION',
            ].includes(c),
        )
        .sort(),
    );
    for (const p of seen.values()) {
      expect(p.message.length).toBeGreaterThan(10);
      if (p.code !== 'EMPTY_FLOW') expect(p.nodeId).toEqual(expect.any(String));
    }
  });
});

describe('respond nodes', () => {
  it("are valid under an invoke trigger, and their output expressions are checked like an end node's", () => {
    const doc = (output: unknown) =>
      FlowDocument.parse({
        trigger: { type: 'invoke' },
        nodes: [delay('wait'), { id: 'ack', type: 'respond', output }],
        edges: chain('trigger', 'wait', 'ack'),
      });
    expect(validateFlow(doc({ waited: { $expr: 'nodes.wait.delayedMs' } }), catalog)).toEqual([]);
    expect(codes(validateFlow(doc({ x: { $expr: 'nodes.wait.nope' } }), catalog))).toEqual(['UNKNOWN_OUTPUT_FIELD']);
  });
});

describe('code nodes', () => {
  const code = (extra: object = {}) => ({
    id: 'code',
    type: 'code',
    source: 'export default () => ({ total: 1 })',
    inputs: { n: { $expr: 'nodes.ghost.x' } },
    ...extra,
  });
  it('checks the references of its input mapping, and later references against its declared output schema', () => {
    const problems = validate(
      [
        code({ outputSchema: { type: 'object', properties: { total: { type: 'number' } }, additionalProperties: false } }),
        condition('ok', 'nodes.code.total > 0 and nodes.code.totl'),
      ],
      [edge('trigger', 'code'), edge('code', 'ok')],
    );
    expect(problems.map((p) => [p.code, p.nodeId, p.field])).toEqual([
      ['UNKNOWN_REFERENCE', 'code', 'inputs.n'],
      ['UNKNOWN_OUTPUT_FIELD', 'ok', 'condition'],
    ]);
  });

  it('leaves its output unchecked without a schema, and takes an error branch like an action', () => {
    const problems = validate(
      [code({ inputs: {}, onError: 'branch' }), condition('ok', 'nodes.code.anything'), delay('handle')],
      [edge('trigger', 'code'), edge('code', 'ok'), { from: 'code', to: 'handle', branch: 'error' }],
    );
    expect(problems).toEqual([]);
  });
});

describe('outputSchemaOf', () => {
  it('gives the catalog output schema of an action and fixed schemas for built-in nodes', () => {
    const doc = FlowDocument.parse({ trigger: { type: 'manual' }, nodes: [fetch('fetch'), condition('ok', 'true'), end('done')], edges: [] });
    expect(outputSchemaOf(doc.nodes[0]!, catalog)).toBe(catalog.getAction('http.request@1')!.outputSchema);
    expect(outputSchemaOf(doc.nodes[1]!, catalog)).toMatchObject({ properties: { result: { type: 'boolean' } } });
    expect(outputSchemaOf(doc.nodes[2]!, catalog)).toBeUndefined();
  });

  it('adds the error field for onError: branch without changing the catalog', () => {
    const node = FlowDocument.parse({ trigger: { type: 'manual' }, nodes: [fetch('fetch', {}, { onError: 'branch' })], edges: [] }).nodes[0]!;
    expect(Object.keys((outputSchemaOf(node, catalog)!.properties as object) ?? {})).toEqual(['status', 'headers', 'body', 'file', 'error']);
    expect(Object.keys(catalog.getAction('http.request@1')!.outputSchema.properties as object)).toEqual(['status', 'headers', 'body', 'file']);
  });
});

describe('validateFlow: expression types', () => {
  const flow = (url: string) => validateAfter([fetch(), fetch('next', { url: { $expr: url } })], [edge('fetch', 'next')]);

  it('refuses a path whose type (from the upstream output schema) the input never takes, naming both', () => {
    expect(flow('nodes.fetch.headers')).toEqual([
      expect.objectContaining({
        code: 'EXPRESSION_TYPE',
        nodeId: 'next',
        field: 'inputs.url',
        message: expect.stringMatching(/nodes\.fetch\.headers, which is object, but "url" takes string/),
      }),
    ]);
    expect(codes(flow('nodes.fetch.status'))).toEqual(['EXPRESSION_TYPE']);
  });

  it('leaves to the run what it cannot know: open fields, computed values, other roots', () => {
    expect(flow('nodes.fetch.body')).toEqual([]);
    expect(flow('nodes.fetch.body.url')).toEqual([]);
    expect(flow('"https://x.example/" & nodes.fetch.status')).toEqual([]);
    expect(flow('$string(nodes.fetch.status)')).toEqual([]);
    expect(flow('trigger.data.url')).toEqual([]);
  });
});
