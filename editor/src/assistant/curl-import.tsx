import { useId, useState, type FormEvent } from 'react';
import { findNode } from '#core/operations';
import type { FlowNode } from '#core/flow';
import { useImportCurl } from '../api/queries';
import type { CurlImportResult } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { useEditor } from '../store/editor-store';

/**
 * Paste a cURL command from a provider's docs: it becomes an HTTP request step on the canvas (one undo step), its
 * credentials saved as workspace secrets that the step names (never kept in the flow).
 */
export function CurlImport() {
  const id = useId();
  const [command, setCommand] = useState('');
  const [done, setDone] = useState<{ nodeId: string; result: CurlImportResult } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const importCurl = useImportCurl();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const result = await importCurl.mutateAsync(command.trim());
    const { doc, apply } = useEditor.getState();
    let nodeId = result.node.id;
    for (let i = 2; doc && findNode(doc, nodeId); i++) nodeId = `${result.node.id}_${i}`;
    const failed = apply([{ type: 'addNode', node: { ...result.node, id: nodeId } as FlowNode }]);
    if (failed) return setError(failed);
    setDone({ nodeId, result });
    setCommand('');
  };

  return (
    <section className="sy-curl-import" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>From a cURL command</h2>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor={`${id}-command`} className="sr-only">
          cURL command
        </label>
        <textarea
          id={`${id}-command`}
          rows={3}
          value={command}
          placeholder={"curl https://api.example.com/v1/items -H 'Authorization: Bearer …'"}
          onChange={(e) => setCommand(e.target.value)}
        />
        <button type="submit" disabled={importCurl.isPending || !command.trim()}>
          Add as a step
        </button>
      </form>
      {importCurl.error ? <ErrorBox error={importCurl.error} /> : null}
      {error && <p className="sy-assistant-unsupported">{error}</p>}
      {done && (
        <div className="sy-curl-result" role="status">
          <p>
            Added <code>{done.nodeId}</code> ({done.result.node.label}); connect it where it belongs.
          </p>
          <ul>
            {done.result.secrets.map((s) => (
              <li key={s.name}>
                <code>{s.name}</code> ({s.where}): {s.saved ? `its ${s.saved} value is saved under Secrets` : 'set its value under Secrets'}
              </li>
            ))}
            {done.result.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
