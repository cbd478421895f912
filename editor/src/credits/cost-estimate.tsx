import { useCostEstimate } from './credits-api';

/** One line in the publish dialog: what a run of the draft costs, and the balance. */
export function CostEstimateLine({ flowId }: { flowId: string }) {
  const estimate = useCostEstimate(flowId);
  if (!estimate.data) return null;
  const e = estimate.data;
  return (
    <div className="cost-estimate" aria-label="Cost estimate">
      <p>
        Each run costs about <strong>{e.credits}</strong> credit{e.credits === 1 ? '' : 's'} (balance {e.balance}).
      </p>
      {e.notes.length > 0 && <p className="sy-muted small">{e.notes.join('; ')}.</p>}
      {e.problems.map((p, i) => (
        <p key={i} className="error">
          {p.message}
        </p>
      ))}
    </div>
  );
}
