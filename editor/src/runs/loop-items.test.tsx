// @vitest-environment jsdom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NodeRunState } from '../api/types';
import { NodeDetails } from './node-details';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

/** A finished big loop (its items' states are in its batches; its outputs stored as one list). */
const loop = {
  key: 'each',
  nodeId: 'each',
  type: 'forEach',
  status: 'succeeded',
  attempts: 0,
  progress: { done: 45, total: 45, batches: 1 },
  output: { $blob: { key: 'blob_0123456789abcdef0123456789abcdef', size: 2000, mediaType: 'application/json', preview: '[', length: 45 } },
  startedAt: '2026-12-05T10:00:00.000Z',
  endedAt: '2026-12-05T10:00:05.000Z',
} as NodeRunState;

describe('a big loop in the run view', () => {
  it('pages through its items and their outputs from the items API', async () => {
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(url);
        const offset = Number(new URL(url, 'http://x').searchParams.get('offset'));
        const items = Array.from({ length: Math.min(20, 45 - offset) }, (_, i) => ({ index: offset + i, output: { n: offset + i + 1 } }));
        return new Response(JSON.stringify({ nodeKey: 'each', total: 45, offset, items }), { headers: { 'content-type': 'application/json' } });
      }),
    );
    render(
      <QueryClientProvider client={new QueryClient()}>
        <NodeDetails nodeId="each" title="each" kind="forEach" entries={[loop]} allEntries={[loop]} selectedKey={undefined} finished now={Date.now()} runId="run_1" onSelect={() => undefined} onClose={() => undefined} />
      </QueryClientProvider>,
    );
    expect(await screen.findByText('Items 1–20 of 45')).toBeTruthy();
    expect(screen.getByText('Item 1')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Next' }));
    expect(await screen.findByText('Items 41–45 of 45')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);
    expect(asked.at(-1)).toBe('/api/runs/run_1/nodes/each/items?offset=40&limit=20');
  });
});
