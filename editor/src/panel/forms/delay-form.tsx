import { useId } from 'react';
import type { DelayNode } from '#core/flow';
import { DurationInput } from '../controls';
import { type EditorProps } from './shared';

export function DelayEditor({ node, apply, disabled }: EditorProps<DelayNode>) {
  const id = useId();
  return (
    <div className="sf-field">
      <label htmlFor={id}>
        Duration
        <span className="sf-required" aria-hidden="true">
          *
        </span>
      </label>
      <DurationInput
        id={id}
        value={node.duration}
        required
        disabled={disabled}
        aria-describedby={`${id}-help`}
        onChange={(duration) => {
          if (duration !== undefined) apply([{ type: 'updateNode', nodeId: node.id, patch: { duration } }]);
        }}
      />
      <p id={`${id}-help`} className="sf-help">
        E.g. <code>30s</code>, <code>5m</code>, <code>1h</code>, <code>1d</code>. The wait is durable: it survives restarts.
      </p>
    </div>
  );
}
