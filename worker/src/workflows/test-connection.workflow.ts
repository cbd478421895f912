import { proxyActivities } from '@temporalio/workflow';
import { TEST_CONNECTION_ACTIVITY, type TestConnectionInput, type TestConnectionResult } from '#core/run';

const activities = proxyActivities<{ [TEST_CONNECTION_ACTIVITY]: (input: TestConnectionInput) => Promise<TestConnectionResult> }>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 1 },
});

/** One connection test, run where provider calls are allowed to happen: in an activity. */
export async function testConnection(input: TestConnectionInput): Promise<TestConnectionResult> {
  return activities[TEST_CONNECTION_ACTIVITY](input);
}
