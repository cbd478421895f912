import { useId } from 'react';
import type { EndNode, RespondNode } from '#core/flow';
import { JsonTextarea } from '../controls';
import { type EditorProps } from './shared';

export function EndEditor({ node, apply, disabled, suggestions }: EditorProps<EndNode | RespondNode>) {
  const id = useId();
  const roots = suggestions.filter((s) => s.path.split('.').length === 2).slice(0, 8);
  return (
    <div className="sf-field">
      <label htmlFor={id}>Output</label>
      <JsonTextarea
        id={id}
        rows={8}
        value={node.output}
        disabled={disabled}
        placeholder={'{\n  "id": { "$expr": "nodes.fetch.body.id" }\n}'}
        aria-describedby={`${id}-help`}
        onChange={(output) => apply([{ type: 'updateNode', nodeId: node.id, patch: { output } }])}
      />
      <p id={`${id}-help`} className="sf-help">
        JSON; <code>{'{ "$expr": "…" }'}</code> anywhere is an expression, <code>{'{ "$literal": … }'}</code> keeps a value as is.{' '}
        {node.type === 'respond'
          ? 'The app that invoked the flow gets it now; the run goes on.'
          : 'Empty: the run\u2019s output is every node\u2019s output (an invoked flow: the last node\u2019s).'}
        {roots.length > 0 && (
          <>
            {' '}
            Available:{' '}
            {roots.map((s, i) => (
              <span key={s.path}>
                {i > 0 && ', '}
                <code>{s.path}</code>
              </span>
            ))}
          </>
        )}
      </p>
    </div>
  );
}
