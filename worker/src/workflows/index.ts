// The workflows this worker hosts. Bundled by Temporal into the deterministic sandbox.
export { runFlow } from './run-flow.workflow';
export { testConnection } from './test-connection.workflow';
export { testCodeStep } from './test-code-step.workflow';
export { testActionStep } from './test-step.workflow';
export { creditsMonthlyReset } from './credits-reset.workflow';
export { scheduledFlowRun } from './scheduled-flow.workflow';
export { deliverNotification } from './notify.workflow';
export { runFlowItems } from './run-items.workflow';
