import type { FlowProblem } from '#core/validate';

/** The flow's problems; those that name a node are buttons that select it and centre the view on it. */
export function ProblemList({ problems, onSelect }: { problems: FlowProblem[]; onSelect: (nodeId: string) => void }) {
  if (problems.length === 0) return <p className="sy-ok">No problems: the flow can be published.</p>;
  return (
    <ul className="sy-problems">
      {problems.map((p, i) => (
        <li key={`${p.code}:${p.nodeId ?? ''}:${i}`}>
          {p.nodeId ? (
            <button type="button" className="sy-problem-item" onClick={() => onSelect(p.nodeId!)}>
              <code>{p.nodeId}</code>
              <span>{p.message}</span>
            </button>
          ) : (
            <span className="sy-problem-item static">{p.message}</span>
          )}
        </li>
      ))}
    </ul>
  );
}
