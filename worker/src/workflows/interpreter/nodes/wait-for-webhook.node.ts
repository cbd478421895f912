import { condition, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { WaitForWebhookNode } from '#core/flow';
import { durationMs } from '#core/graph';
import { REGISTER_WEBHOOK_WAIT_ACTIVITY } from '#core/run';
import type { RegisterWebhookWaitActivity } from '../../../activities/webhook-waits';
import { NodeFailed } from '../errors';
import type { NodeHandler } from './node-handler';

/**
 * Registers the wait (the API routes matching deliveries to this run; an event buffered just before is returned at
 * once), then sleeps on a durable timer until a delivery arrives: no worker time is used. Without a delivery in
 * time the `timeout` edges are taken, or the node fails when it has none.
 */
export const waitForWebhookNode: NodeHandler<WaitForWebhookNode> = async (node, { key, scope, graph, run }) => {
  const matchValue = node.match ? await run.resolve(node.match.equals, scope) : undefined;
  // Switchyard's run id, not Temporal's: it survives a reset (retry from the failed step), so a replayed wait keeps its id.
  const { workflowId } = workflowInfo();
  const { options, arrivals } = run;
  const waitId = `${workflowId}/${options.runId}/${key}`;
  const timeoutMs = durationMs(node.timeout);
  const register = proxyActivities<{ [REGISTER_WEBHOOK_WAIT_ACTIVITY]: RegisterWebhookWaitActivity }>({
    startToCloseTimeout: '30s',
    retry: { maximumInterval: '10s' },
  })[REGISTER_WEBHOOK_WAIT_ACTIVITY];
  const buffered = await register({
    waitId,
    workspaceId: options.workspaceId,
    runId: options.runId,
    workflowId,
    nodeKey: key,
    mode: options.mode,
    source: node.source,
    eventType: node.event,
    ...(node.match ? { matchField: node.match.field, matchValue } : {}),
    expiresAt: new Date(Date.now() + timeoutMs).toISOString(),
  });
  if (buffered) arrivals.set(waitId, buffered);
  const entry = run.state.nodes[key];
  if (entry && !arrivals.has(waitId)) {
    entry.status = 'waitingForEvent';
    run.noteNode(entry);
  }
  const arrived = await condition(() => arrivals.has(waitId), timeoutMs);
  const delivery = arrivals.get(waitId);
  if (arrived && delivery) {
    const output = { received: true, eventId: delivery.eventId, eventType: delivery.eventType, deliveryId: delivery.deliveryId, event: delivery.payload };
    return { output, next: {} };
  }
  const expected = `${node.source} "${node.event}" event${node.match ? ` with ${node.match.field} = ${JSON.stringify(matchValue)}` : ''}`;
  if (!graph.edges.some((e) => e.from === node.id && e.branch === 'timeout')) {
    throw new NodeFailed(key, { message: `No ${expected} arrived within ${node.timeout}; connect the node's timeout branch to handle this`, type: 'Timeout' });
  }
  return { output: { received: false }, next: { branch: 'timeout' } };
};
