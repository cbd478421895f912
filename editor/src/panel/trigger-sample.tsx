import { useId, useState } from 'react';
import { TRIGGER_ID } from '#core/flow';
import { api } from '../api/client';
import { useWebhookSources } from '../api/queries';
import type { RunDetail, RunSummary } from '../api/types';
import { useEditor } from '../store/editor-store';
import type { Apply } from './forms/shared';

/**
 * The trigger's sample data: what `trigger.data` holds when a step is tested and in expression previews. Typed by the
 * user, or taken from the flow's last run; pinned in the draft (never published).
 */
export function TriggerSample({ apply, disabled, flowId }: { apply: Apply; disabled: boolean; flowId: string | null }) {
  const id = useId();
  const pinned = useEditor((s) => s.doc?.pinned?.[TRIGGER_ID]);
  const trigger = useEditor((s) => s.doc?.trigger);
  const sources = useWebhookSources();
  // A webhook trigger's provider documents its events: their example payloads are ready-made samples.
  const examples = trigger?.type === 'webhook' ? (sources.data?.find((w) => w.id === trigger.source)?.examples ?? []) : [];
  const [example, setExample] = useState(0);
  const [text, setText] = useState(() => JSON.stringify(pinned ?? {}, null, 2));
  const [problem, setProblem] = useState<string | undefined>();
  const pin = (data: unknown) => {
    const error = apply([{ type: 'pinData', nodeId: TRIGGER_ID, data }]);
    setProblem(error);
  };
  const pinText = () => {
    try {
      pin(JSON.parse(text));
    } catch (err) {
      setProblem(`The sample is not JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const fromLastRun = async () => {
    setProblem(undefined);
    try {
      const { runs } = await api<{ runs: RunSummary[] }>('GET', `/api/runs?flowId=${encodeURIComponent(flowId ?? '')}&limit=1`);
      if (!runs[0]) {
        setProblem('This flow has no run yet: send an event or start a test run, or type a sample.');
        return;
      }
      const run = await api<RunDetail>('GET', `/api/runs/${encodeURIComponent(runs[0].id)}`);
      const data = (run.trigger as { data?: unknown } | undefined)?.data ?? {};
      setText(JSON.stringify(data, null, 2));
      pin(data);
    } catch (err) {
      setProblem(`Could not read the last run: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <section className="np-section trigger-sample" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>Sample data</h3>
      <p className="sf-help" id={`${id}-help`}>
        What <code>trigger.data</code> holds when you test a step or preview an expression. Pinned to the draft; never published.
      </p>
      <label htmlFor={`${id}-json`}>Sample trigger data (JSON)</label>
      <textarea
        id={`${id}-json`}
        className="sy-code"
        rows={5}
        spellCheck={false}
        value={text}
        disabled={disabled}
        aria-describedby={`${id}-help`}
        aria-invalid={problem ? true : undefined}
        onChange={(e) => setText(e.target.value)}
      />
      {problem && (
        <p role="alert" className="field-hint-error">
          {problem}
        </p>
      )}
      {examples.length > 0 && (
        <div className="sf-row">
          <label htmlFor={`${id}-example`}>Example event</label>
          <select id={`${id}-example`} value={example} onChange={(e) => setExample(Number(e.target.value))} disabled={disabled}>
            {examples.map((x, i) => (
              <option key={x.type} value={i}>
                {x.title} ({x.type})
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={disabled}
            onClick={() => {
              const payload = examples[example]?.payload;
              setText(JSON.stringify(payload, null, 2));
              pin(payload);
            }}
          >
            Use this example
          </button>
        </div>
      )}
      <div className="sf-row">
        <button type="button" onClick={pinText} disabled={disabled}>
          Pin sample data
        </button>
        <button type="button" className="link-button" onClick={() => void fromLastRun()} disabled={disabled || !flowId}>
          Use the last run&apos;s data
        </button>
        {pinned !== undefined && (
          <button type="button" className="link-button" onClick={() => pin(undefined)} disabled={disabled}>
            Unpin
          </button>
        )}
      </div>
      {pinned !== undefined && <p className="sf-help">Pinned.</p>}
    </section>
  );
}
