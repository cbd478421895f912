import { describe, expect, it } from 'vitest';
import type { FlowGraph, FlowNode } from '#core/flow';
import { defaultRunOutput, GraphWalk, lastNodeOutput, liveRunStatus, type Next } from './scheduler';

/** Nodes of any kind: the scheduler reads only ids, edges and the branch a finished node took. */
const node = (id: string, type: FlowNode['type'] = 'action') => ({ id, type }) as unknown as FlowNode;
const graph = (nodes: (string | [string, FlowNode['type']])[], edges: [string, string, string?][]): FlowGraph => ({
  nodes: nodes.map((n) => (typeof n === 'string' ? node(n) : node(n[0], n[1]))),
  edges: edges.map(([from, to, branch]) => ({ from, to, ...(branch ? { branch } : {}) })),
});

/**
 * Drives a walk as the interpreter does: start every ready node, then finish running nodes one at a time in the order
 * `finishes` gives (with the Next each returns). Returns the order nodes were started in, and which were skipped.
 */
function walk(g: FlowGraph, finishes: [string, Next][], startId = 'trigger') {
  const w = new GraphWalk(g, startId);
  const started: string[] = [];
  const skipped: string[] = [];
  const take = () => {
    for (const step of w.nextSteps()) (step.run ? started : skipped).push(step.node.id);
  };
  take();
  for (const [id, next] of finishes) {
    expect(started, `${id} finishes only after it started`).toContain(id);
    if ('end' in next) break;
    w.finished(id, next);
    take();
  }
  return { started, skipped };
}

describe('GraphWalk: readiness, branches and joins', () => {
  it.each<[string, FlowGraph, [string, Next][], string[], string[]]>([
    [
      'a chain runs in order (action, delay)',
      graph(
        ['a', ['d', 'delay'], 'b'],
        [
          ['trigger', 'a'],
          ['a', 'd'],
          ['d', 'b'],
        ],
      ),
      [
        ['a', {}],
        ['d', {}],
        ['b', {}],
      ],
      ['a', 'd', 'b'],
      [],
    ],
    [
      'condition true: the true edges are taken, the false side is skipped',
      graph(
        [['c', 'condition'], 'yes', 'no'],
        [
          ['trigger', 'c'],
          ['c', 'yes', 'true'],
          ['c', 'no', 'false'],
        ],
      ),
      [
        ['c', { branch: 'true' }],
        ['yes', {}],
      ],
      ['c', 'yes'],
      ['no'],
    ],
    [
      'condition false',
      graph(
        [['c', 'condition'], 'yes', 'no'],
        [
          ['trigger', 'c'],
          ['c', 'yes', 'true'],
          ['c', 'no', 'false'],
        ],
      ),
      [
        ['c', { branch: 'false' }],
        ['no', {}],
      ],
      ['c', 'no'],
      ['yes'],
    ],
    [
      'switch: the matching case runs, the others and default are skipped',
      graph(
        [['s', 'switch'], 'free', 'pro', 'other'],
        [
          ['trigger', 's'],
          ['s', 'free', 'free'],
          ['s', 'pro', 'pro'],
          ['s', 'other', 'default'],
        ],
      ),
      [
        ['s', { branch: 'pro' }],
        ['pro', {}],
      ],
      ['s', 'pro'],
      ['free', 'other'],
    ],
    [
      'switch default',
      graph(
        [['s', 'switch'], 'free', 'other'],
        [
          ['trigger', 's'],
          ['s', 'free', 'free'],
          ['s', 'other', 'default'],
        ],
      ),
      [
        ['s', { branch: 'default' }],
        ['other', {}],
      ],
      ['s', 'other'],
      ['free'],
    ],
    [
      'an action that failed with onError branch takes its error edges; plain edges die',
      graph(
        ['a', 'next', 'handle'],
        [
          ['trigger', 'a'],
          ['a', 'next'],
          ['a', 'handle', 'error'],
        ],
      ),
      [
        ['a', { branch: 'error' }],
        ['handle', {}],
      ],
      ['a', 'handle'],
      ['next'],
    ],
    [
      'waitForWebhook without an event takes its timeout edges',
      graph(
        [['w', 'waitForWebhook'], 'got', 'late'],
        [
          ['trigger', 'w'],
          ['w', 'got'],
          ['w', 'late', 'timeout'],
        ],
      ),
      [
        ['w', { branch: 'timeout' }],
        ['late', {}],
      ],
      ['w', 'late'],
      ['got'],
    ],
    [
      'parallel branches start together, in document order; the join waits for both',
      graph(
        ['a', 'b', 'join'],
        [
          ['trigger', 'a'],
          ['trigger', 'b'],
          ['a', 'join'],
          ['b', 'join'],
        ],
      ),
      [
        ['b', {}],
        ['a', {}],
        ['join', {}],
      ],
      ['a', 'b', 'join'],
      [],
    ],
    [
      'a join after if/else runs once the taken branch finished (the dead one is skipped, not waited for)',
      graph(
        [['c', 'condition'], 'yes', 'no', 'join'],
        [
          ['trigger', 'c'],
          ['c', 'yes', 'true'],
          ['c', 'no', 'false'],
          ['yes', 'join'],
          ['no', 'join'],
        ],
      ),
      [
        ['c', { branch: 'true' }],
        ['yes', {}],
        ['join', {}],
      ],
      ['c', 'yes', 'join'],
      ['no'],
    ],
    [
      'a dead path cascades: everything only reachable through a skipped node is skipped',
      graph(
        [['c', 'condition'], 'no', 'no2', 'no3', 'yes'],
        [
          ['trigger', 'c'],
          ['c', 'no', 'false'],
          ['no', 'no2'],
          ['no2', 'no3'],
          ['c', 'yes', 'true'],
        ],
      ),
      [
        ['c', { branch: 'true' }],
        ['yes', {}],
      ],
      ['c', 'yes'],
      ['no', 'no2', 'no3'],
    ],
    [
      'a join whose every incoming edge is dead is skipped',
      graph(
        [['c', 'condition'], 'x', 'y', 'join'],
        [
          ['trigger', 'c'],
          ['c', 'x', 'false'],
          ['c', 'y', 'false'],
          ['x', 'join'],
          ['y', 'join'],
        ],
      ),
      [['c', { branch: 'true' }]],
      ['c'],
      ['x', 'y', 'join'],
    ],
    [
      'end stops the walk: nothing after it starts',
      graph(
        ['a', ['stop', 'end'], 'after'],
        [
          ['trigger', 'a'],
          ['a', 'stop'],
          ['stop', 'after'],
        ],
      ),
      [
        ['a', {}],
        ['stop', { end: true, output: 1 }],
      ],
      ['a', 'stop'],
      [],
    ],
  ])('%s', (_name, g, finishes, started, skipped) => {
    expect(walk(g, finishes)).toEqual({ started, skipped });
  });

  it('a forEach body walks from the forEach node: its edges from the forEach id are the start', () => {
    const body = graph(
      ['post', ['odd', 'condition'], ['stop', 'end'], 'double'],
      [
        ['each', 'post'],
        ['post', 'odd'],
        ['odd', 'stop', 'true'],
        ['odd', 'double', 'false'],
      ],
    );
    expect(
      walk(
        body,
        [
          ['post', {}],
          ['odd', { branch: 'false' }],
          ['double', {}],
        ],
        'each',
      ),
    ).toEqual({ started: ['post', 'odd', 'double'], skipped: ['stop'] });
  });

  it('a node with no incoming edge (unreachable, refused at publish) is skipped, never started', () => {
    expect(walk(graph(['a', 'orphan'], [['trigger', 'a']]), [['a', {}]])).toEqual({ started: ['a'], skipped: ['orphan'] });
  });
});

describe('liveRunStatus: the one rule for a live run', () => {
  it.each([
    [['running', 'succeeded'], 'running'],
    [['running', 'waitingForCredits'], 'waitingForCredits'],
    [['waitingForCredits', 'parked'], 'parked'],
    [['parked', 'waitingForEvent'], 'parked'],
    [['waitingForEvent', 'skipped'], 'running'],
    [[], 'running'],
  ] as const)('%j → %s', (statuses, expected) => {
    expect(liveRunStatus(statuses.map((status) => ({ status })))).toBe(expected);
  });
});

describe('defaultRunOutput', () => {
  it('is the output of every top-level node that succeeded (not forEach items, not failed or skipped nodes)', () => {
    const n = (key: string, status: string, output?: unknown) => ({ key, nodeId: key.replace(/^.*\./, ''), type: 'action', status, attempts: 1, output });
    const nodes = Object.fromEntries(
      [n('a', 'succeeded', 1), n('each', 'succeeded', [2]), n('each[0].x', 'succeeded', 3), n('b', 'skipped'), n('c', 'failed')].map((x) => [x.key, x]),
    );
    expect(defaultRunOutput({ nodes } as never)).toEqual({ a: 1, each: [2] });
  });
});

describe('lastNodeOutput (an invoked run without an end node)', () => {
  it('is the output of the last top-level node to start that succeeded, not a respond node, not a forEach item, not a failed one', () => {
    const n = (key: string, status: string, output?: unknown, type = 'action') => ({
      key,
      nodeId: key.replace(/^.*\./, ''),
      type,
      status,
      attempts: 1,
      output,
    });
    const nodes = Object.fromEntries(
      [
        n('a', 'succeeded', 1),
        n('each', 'succeeded', [2]),
        n('each[0].x', 'succeeded', 3),
        n('ack', 'succeeded', { responded: true }, 'respond'),
        n('c', 'failed'),
      ].map((x) => [x.key, x]),
    );
    expect(lastNodeOutput({ nodes } as never)).toEqual([2]);
    expect(lastNodeOutput({ nodes: {} })).toBeUndefined();
  });
});
