import type { ActionInfo } from '#core/catalog-sdk';
import type { FlowDocument, FlowNode } from '#core/flow';

/** The one action the generated flows use, described the way the API describes it (enough for the canvas and validation). */
export const BENCH_ACTIONS: ActionInfo[] = [
  {
    ref: 'http.request@1',
    integration: 'http',
    title: 'HTTP request',
    description: 'Calls any HTTP API and returns its status, headers and body.',
    inputSchema: {
      type: 'object',
      properties: {
        url: { type: 'string', format: 'uri' },
        method: { type: 'string', enum: ['GET', 'POST'], default: 'GET' },
      },
      required: ['url'],
      additionalProperties: false,
    },
    outputSchema: { type: 'object' },
    sideEffects: true,
  },
];

/** Grid spacing of the generated layout (a step card is 220 × 72). */
const DX = 280;
const DY = 140;

/**
 * A valid flow of `n` canvas nodes (the trigger and n − 1 steps), one chain from the trigger, laid out
 * row by row in a grid about twice as wide as it is tall. Every fifth step is a delay, the others HTTP requests.
 */
export function generateFlow(n: number): FlowDocument {
  const steps = Math.max(0, n - 1);
  const columns = Math.max(1, Math.ceil(Math.sqrt(n * 2)));
  const at = (i: number) => ({ x: (i % columns) * DX, y: Math.floor(i / columns) * DY });
  const nodes: FlowNode[] = [];
  const layout: FlowDocument['layout'] = { trigger: at(0) };
  for (let i = 1; i <= steps; i++) {
    const id = `step_${i}`;
    nodes.push(
      i % 5 === 0
        ? { id, type: 'delay', duration: '1m' }
        : { id, type: 'action', action: 'http.request@1', inputs: { url: `https://api.example.com/items/${i}` } },
    );
    layout[id] = at(i);
  }
  const edges = nodes.map((node, i) => ({ from: i === 0 ? 'trigger' : nodes[i - 1]!.id, to: node.id }));
  return { schemaVersion: 1, trigger: { type: 'event', event: 'bench.event' }, nodes, edges, layout };
}
