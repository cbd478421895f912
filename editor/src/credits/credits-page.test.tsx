// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StatusBadge } from '../components/status-badge';
import { CreditsPage } from '../pages/credits-page';

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const row = { mode: 'live', charged: 12, listCredits: 12, requests: 12 };

beforeEach(() => {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url === '/api/credits')
        return json({
          plan: 'builder',
          planTitle: 'Builder',
          integrations: true,
          monthlyCredits: 10000,
          period: '2026-11',
          balance: 0,
          allowanceBalance: 0,
          topupBalance: 0,
          plans: [],
        });
      if (url.startsWith('/api/credits/usage?'))
        return json({
          balance: 0,
          plan: 'builder',
          byDay: [
            { ...row, day: '2026-11-29' },
            { mode: 'test', charged: 0, listCredits: 3, requests: 3, day: '2026-11-29' },
          ],
          byIntegration: [{ ...row, integration: 'http' }],
          byFlow: [{ ...row, flowId: 'flw_1' }],
          byRun: [{ ...row, runId: 'run_1', workflowId: 'w1', flowId: 'flw_1' }],
        });
      return json({ error: { code: 'NOT_FOUND', message: `unexpected ${url}` } }, 404);
    }),
  );
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('Credits page', () => {
  it('shows the plan, the balance, what happens at 0, and usage by day with test usage marked', async () => {
    const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={qc}>
        <CreditsPage />
      </QueryClientProvider>,
    );
    expect(await screen.findByTestId('credit-balance')).toHaveProperty('textContent', '0');
    expect(screen.getByText(/runs pause at their next API request/)).toBeTruthy();
    const byDay = (await screen.findByRole('heading', { name: 'By day' })).closest('.card') as HTMLElement;
    expect(within(byDay).getByText('0 (list 3)')).toBeTruthy();
    expect(within(byDay).getByText('TEST')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'run_1' }).getAttribute('href')).toBe('#/runs/run_1');
  });

  it('labels a run or node waiting for credits in words', () => {
    render(<StatusBadge status="waitingForCredits" />);
    expect(screen.getByText('waiting for credits').getAttribute('title')).toMatch(/credits are added/);
  });
});
