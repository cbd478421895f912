// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScheduleStatus } from './schedule-status';

const calls: { method: string; url: string; body?: unknown }[] = [];
let paused = false;

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const description = () => ({
  scheduleId: 'flow-schedule:ws:flw_1:live',
  flowId: 'flw_1',
  mode: 'live',
  state: paused ? 'paused' : 'active',
  note: paused ? 'holidays' : null,
  trigger: { type: 'schedule', cron: '0 9 * * 1', timezone: 'Europe/Berlin' },
  timezone: 'Europe/Berlin',
  overlap: 'skip',
  catchupWindowMs: 60_000,
  nextFireTimes: ['2027-03-29T07:00:00.000Z'],
  recentActions: [],
  runningFires: [],
  actionsTaken: 0,
  skippedOverlap: 0,
  missedCatchupWindow: 0,
  createdAt: '2026-12-01T00:00:00.000Z',
});

beforeEach(() => {
  calls.length = 0;
  paused = false;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET';
      calls.push({ method, url, ...(init?.body ? { body: JSON.parse(String(init.body)) } : {}) });
      if (method === 'GET' && url === '/api/flows/flw_1/schedules/live') return json(description());
      if (method === 'POST' && url === '/api/flows/flw_1/schedules/live/pause') {
        paused = true;
        return json(description());
      }
      if (method === 'POST' && url === '/api/flows/flw_1/schedules/live/run') return json({ flowId: 'flw_1', mode: 'live', requested: true }, 202);
      return json({ error: { code: 'NOT_FOUND', message: `unexpected ${method} ${url}` } }, 404);
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('ScheduleStatus', () => {
  it('shows the next run in the schedule’s zone, pauses with a note and runs now', async () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={qc}>
        <ScheduleStatus flowId="flw_1" />
      </QueryClientProvider>,
    );
    const status = await screen.findByRole('status', { name: 'Schedule' });
    await waitFor(() => expect(status.textContent).toContain('Schedule active'));
    // 07:00Z on 29 March 2027 is 09:00 in Berlin (summer time).
    expect(status.textContent).toMatch(/next run Mon,? 29 Mar 2027,? 09:00 Europe\/Berlin/);
    vi.spyOn(window, 'prompt').mockReturnValue('holidays');
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    await waitFor(() => expect(screen.getByRole('status', { name: 'Schedule' }).textContent).toContain('Schedule paused (holidays)'));
    expect(calls).toContainEqual({ method: 'POST', url: '/api/flows/flw_1/schedules/live/pause', body: { note: 'holidays' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run now' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.url.endsWith('/run'))).toBe(true));
    expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();
  });
});
