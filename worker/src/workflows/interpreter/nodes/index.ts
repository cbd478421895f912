import type { FlowNode } from '#core/flow';
import { actionNode } from './action.node';
import { codeNode } from './code.node';
import { conditionNode } from './condition.node';
import { delayNode } from './delay.node';
import { endNode } from './end.node';
import { forEachNode } from './for-each.node';
import type { NodeHandler } from './node-handler';
import { respondNode } from './respond.node';
import { switchNode } from './switch.node';
import { waitForWebhookNode } from './wait-for-webhook.node';

/** One handler per node kind; the type makes a missing kind a compile error. */
export const nodeHandlers: { [K in FlowNode['type']]: NodeHandler<Extract<FlowNode, { type: K }>> } = {
  action: actionNode,
  code: codeNode,
  condition: conditionNode,
  switch: switchNode,
  delay: delayNode,
  waitForWebhook: waitForWebhookNode,
  end: endNode,
  respond: respondNode,
  forEach: forEachNode,
};
