import { useId, useState } from 'react';
import type { FlowEdge, SwitchNode } from '#core/flow';
import type { FlowOperation } from '#core/operations';
import { ExpressionField, type EditorProps, type Located } from './shared';

export function SwitchEditor({ node, located, apply, disabled, suggestions }: EditorProps<SwitchNode> & { located: Located }) {
  const id = useId();
  const parent = located.parentId ? { parentId: located.parentId } : {};
  const edgesWith = (branch: string): FlowEdge[] => located.graph.edges.filter((e) => e.from === node.id && e.branch === branch);

  const rename = (index: number, to: string) => {
    const from = node.cases[index]!;
    const cases = node.cases.map((c, i) => (i === index ? to : c));
    // The case's edges follow it, in the same undo step.
    const moves = edgesWith(from).flatMap((edge): FlowOperation[] => [
      { type: 'disconnect', edge, ...parent },
      { type: 'connect', edge: { ...edge, branch: to }, ...parent },
    ]);
    apply([{ type: 'updateNode', nodeId: node.id, patch: { cases } }, ...moves]);
  };
  const remove = (index: number) => {
    const gone = node.cases[index]!;
    const cases = node.cases.filter((_, i) => i !== index);
    apply([
      { type: 'updateNode', nodeId: node.id, patch: { cases } },
      ...edgesWith(gone).map((edge): FlowOperation => ({ type: 'disconnect', edge, ...parent })),
    ]);
  };
  const add = () => {
    let n = node.cases.length + 1;
    while (node.cases.includes(`case${n}`)) n++;
    apply([{ type: 'updateNode', nodeId: node.id, patch: { cases: [...node.cases, `case${n}`] } }]);
  };

  return (
    <>
      <ExpressionField
        label="Value"
        value={node.value}
        disabled={disabled}
        suggestions={suggestions}
        onChange={(value) => apply([{ type: 'updateNode', nodeId: node.id, patch: { value } }])}
        help="Its text picks the edge of the matching case, else the default edge."
      />
      <fieldset className="sf-group" aria-describedby={`${id}-help`}>
        <legend>Cases</legend>
        <p id={`${id}-help`} className="sf-help">
          Each case is a branch; a renamed case keeps its edge. Values that match no case take <code>default</code>.
        </p>
        {node.cases.map((c, i) => (
          <CaseRow
            key={i}
            index={i}
            value={c}
            others={node.cases.filter((_, j) => j !== i)}
            disabled={disabled}
            canRemove={node.cases.length > 1}
            onRename={(to) => rename(i, to)}
            onRemove={() => remove(i)}
          />
        ))}
        <button type="button" className="sf-add" disabled={disabled || node.cases.length >= 50} onClick={add}>
          Add case
        </button>
      </fieldset>
    </>
  );
}

/** A case name is committed when the field is left or Enter is pressed: a half-typed name must not move edges. */
export function CaseRow(props: {
  index: number;
  value: string;
  others: string[];
  disabled: boolean;
  canRemove: boolean;
  onRename(to: string): void;
  onRemove(): void;
}) {
  const { index, value } = props;
  const id = useId();
  const [draft, setDraft] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setDraft(value);
  }
  const issue =
    draft === ''
      ? 'A case needs a value'
      : draft === 'default'
        ? '"default" is the branch for values that match no case'
        : props.others.includes(draft)
          ? 'Another case has this value'
          : draft.length > 100
            ? 'At most 100 characters'
            : undefined;
  const commit = () => {
    if (!issue && draft !== value) props.onRename(draft);
  };
  return (
    <div className="sf-row">
      <div className="sf-row-value">
        <input
          id={id}
          type="text"
          value={draft}
          disabled={props.disabled}
          aria-label={`Case ${index + 1}`}
          aria-invalid={issue ? true : undefined}
          aria-describedby={issue ? `${id}-issue` : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            if (e.key === 'Escape') setDraft(value);
          }}
        />
        {issue && (
          <p id={`${id}-issue`} className="field-hint-error">
            {issue}
          </p>
        )}
      </div>
      <button type="button" className="sf-remove" disabled={props.disabled || !props.canRemove} aria-label={`Remove case ${value}`} onClick={props.onRemove}>
        ×
      </button>
    </div>
  );
}
