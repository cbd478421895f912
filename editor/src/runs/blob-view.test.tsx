// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValueView } from './blob-view';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const ref = {
  $blob: { key: `blob_${'a'.repeat(32)}`, size: 5_242_880, mediaType: 'application/json', preview: '{"status":200,"body":{"items":[', length: undefined },
};

describe('a stored value in the run view', () => {
  it('shows its size, media type and preview, not the reference', () => {
    render(<ValueView label="Output" value={ref} empty="No output" runId="run_1" />);
    expect(screen.getByText(/stored value · 5\.0 MB · application\/json/)).toBeTruthy();
    expect(screen.getByLabelText('Start of the output').textContent).toBe('{"status":200,"body":{"items":[…');
    expect(screen.queryByText(/\$blob/)).toBeNull();
  });

  it('downloads it through the API with the key in a header', async () => {
    const fetched = vi.spyOn(globalThis, 'fetch').mockResolvedValue(new Response('{}', { status: 200 }));
    URL.createObjectURL = vi.fn(() => 'blob:x');
    URL.revokeObjectURL = vi.fn();
    render(<ValueView label="Output" value={ref} empty="No output" runId="run_1" />);
    fireEvent.click(screen.getByRole('button', { name: 'Download output' }));
    await waitFor(() => expect(fetched).toHaveBeenCalled());
    expect(fetched.mock.calls[0]![0]).toBe(`/api/runs/run_1/blobs/${ref.$blob.key}/content`);
  });

  it('shows any other value as JSON', () => {
    render(<ValueView label="Output" value={{ ok: true }} empty="No output" runId="run_1" />);
    expect(screen.getByText(/"ok": true/)).toBeTruthy();
  });
});

describe('a big loop in the run view', () => {
  it('shows how many items are done, in how many batches', async () => {
    const { NodeDetails } = await import('./node-details');
    const entry = {
      key: 'each',
      nodeId: 'each',
      type: 'forEach',
      status: 'running' as const,
      attempts: 0,
      progress: { done: 1200, total: 10000, batches: 50 },
    };
    render(
      <NodeDetails
        nodeId="each"
        title="each"
        kind="forEach"
        entries={[entry]}
        allEntries={[entry]}
        selectedKey={undefined}
        finished={false}
        now={Date.now()}
        onSelect={() => undefined}
        onClose={() => undefined}
      />,
    );
    expect(screen.getByText('1,200 of 10,000 done, in 50 batches')).toBeTruthy();
  });
});
