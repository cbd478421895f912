import { describe, expect, it } from 'vitest';
import type { NodeRunState } from '../api/types';
import { combinedStatus } from './run-model';

const entry = (status: NodeRunState['status']): NodeRunState => ({ key: 'n', nodeId: 'n', type: 'action', status, attempts: 0 }) as NodeRunState;

describe('combinedStatus', () => {
  it('shows a node that waits (for someone, for credits, for a webhook) as waiting, not as skipped', () => {
    expect(combinedStatus([entry('waitingForCredits')])).toBe('waitingForCredits');
    expect(combinedStatus([entry('waitingForEvent')])).toBe('waitingForEvent');
    expect(combinedStatus([entry('succeeded'), entry('waitingForEvent')])).toBe('waitingForEvent');
    expect(combinedStatus([entry('waitingForEvent'), entry('parked')])).toBe('parked');
    expect(combinedStatus([entry('skipped')])).toBe('skipped');
    expect(combinedStatus([])).toBe('waiting');
  });
});

describe('a node skipped by hand', () => {
  it('shows as skipped, not succeeded (the run goes on from it with the output given)', () => {
    const skipped = { ...entry('succeeded'), decisions: [{ action: 'skip' as const, at: '2026-12-05T08:00:00.000Z' }] };
    expect(combinedStatus([skipped])).toBe('skipped');
    const retried = { ...entry('succeeded'), decisions: [{ action: 'retry' as const, at: '2026-12-05T08:00:00.000Z' }] };
    expect(combinedStatus([retried])).toBe('succeeded');
  });
});
