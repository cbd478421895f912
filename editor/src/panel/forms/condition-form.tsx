import type { ConditionNode } from '#core/flow';
import { ExpressionField, type EditorProps } from './shared';

export function ConditionEditor({ node, apply, disabled, suggestions }: EditorProps<ConditionNode>) {
  return (
    <ExpressionField
      label="Condition"
      value={node.condition}
      disabled={disabled}
      suggestions={suggestions}
      onChange={(condition) => apply([{ type: 'updateNode', nodeId: node.id, patch: { condition } }])}
      help={
        <>
          When true the run follows the <code>true</code> edge, else the <code>false</code> edge. E.g. <code>nodes.fetch.status = 200</code>
        </>
      }
    />
  );
}
