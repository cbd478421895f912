import { describe, expect, it } from 'vitest';
import { RUN_FLOW_WORKFLOW, WorkflowIds } from '#core/names';
import { runFlow } from './run-flow.workflow';

describe('shared names', () => {
  it('the interpreter is registered under the workflow type the API starts (RUN_FLOW_WORKFLOW)', () => {
    expect(runFlow.name).toBe(RUN_FLOW_WORKFLOW);
  });

  it('every run workflow id names how the run started and its mode', () => {
    expect(WorkflowIds.event({ workspaceId: 'ws_1', flowId: 'flw_1', mode: 'test', eventId: 'e1' })).toBe('event:ws_1:flw_1:test:e1');
    expect(WorkflowIds.manual({ flowId: 'flw_1', mode: 'test', runKey: 'k' })).toBe('manual:flw_1:test:k');
    expect(WorkflowIds.webhook({ endpointId: 'whk_1', mode: 'live', eventKey: 'evt_1' })).toBe('webhook:whk_1:live:evt_1');
  });
});
