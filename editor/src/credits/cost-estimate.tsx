import type { PublishCheck } from '../api/types';

/** The publish dialog's cost of one run of the flow on screen: the total, each action's price, and the balance. */
export function CostEstimateLine({ estimate: e }: { estimate: PublishCheck['estimate'] }) {
  return (
    <section className="cost-estimate" aria-label="Cost estimate">
      <p>
        Each run costs about <strong>{e.credits}</strong> credit{e.credits === 1 ? '' : 's'} (balance {e.balance}).
      </p>
      {e.nodes.length > 0 && (
        <ul className="sy-estimate-nodes">
          {e.nodes.map((n) => (
            <li key={n.nodeId}>
              <code>{n.nodeId}</code> {n.credits} credit{n.credits === 1 ? '' : 's'}
              {n.pricing === 'usage' ? ' or more (by tokens)' : ''}
              {n.perItemOf ? (n.times !== undefined ? ` × ${n.times} (the sample's items of ${n.perItemOf})` : ` per item of ${n.perItemOf}`) : ''}
            </li>
          ))}
        </ul>
      )}
      {e.notes.length > 0 && <p className="sy-muted small">{e.notes.join('; ')}.</p>}
    </section>
  );
}
