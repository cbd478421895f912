import { useId } from 'react';
import type { ForEachNode } from '#core/flow';
import { NumberInput } from '../controls';
import { ExpressionField, type EditorProps } from './shared';

export function ForEachEditor({ node, apply, disabled, suggestions }: EditorProps<ForEachNode>) {
  const id = useId();
  return (
    <>
      <ExpressionField
        label="Items"
        value={node.items}
        disabled={disabled}
        suggestions={suggestions}
        onChange={(items) => apply([{ type: 'updateNode', nodeId: node.id, patch: { items } }])}
        help={
          <>
            A list; the steps inside run once per item and read <code>item</code> and <code>index</code>.
          </>
        }
      />
      <div className="sf-field">
        <label htmlFor={id}>Concurrency</label>
        <NumberInput
          id={id}
          integer
          min={1}
          max={100}
          required
          value={node.concurrency}
          placeholder="1"
          disabled={disabled}
          aria-describedby={`${id}-help`}
          onChange={(concurrency) => {
            if (concurrency !== undefined) apply([{ type: 'updateNode', nodeId: node.id, patch: { concurrency } }]);
          }}
        />
        <p id={`${id}-help`} className="sf-help">
          How many items run at once (1 to 100).
        </p>
      </div>
    </>
  );
}
