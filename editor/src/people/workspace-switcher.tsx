import { useState } from 'react';
import { createWorkspace } from '../api/people';
import type { WorkspaceMembership } from '../api/types';

/** The workspace in use, the others the person belongs to, and a new one. */
export function WorkspaceSwitcher({
  workspaces,
  current,
  onSwitch,
  onCreated,
}: {
  workspaces: WorkspaceMembership[];
  current: string | null;
  onSwitch: (id: string) => void;
  onCreated: (ws: WorkspaceMembership) => void;
}) {
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const ws = await createWorkspace(name.trim());
      setCreating(false);
      setName('');
      onCreated(ws);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <span className="workspace-switcher">
      {workspaces.length > 0 && (
        <select aria-label="Workspace" value={current ?? ''} onChange={(e) => onSwitch(e.target.value)}>
          {workspaces.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name} ({w.role})
            </option>
          ))}
        </select>
      )}
      {creating ? (
        <form onSubmit={create} className="inline-form" aria-label="New workspace">
          <input aria-label="Workspace name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Workspace name" required />
          <button type="submit">Create</button>
          <button type="button" className="link" onClick={() => setCreating(false)}>
            Cancel
          </button>
          {error && (
            <span role="alert" className="error">
              {error}
            </span>
          )}
        </form>
      ) : (
        <button className="link" onClick={() => setCreating(true)}>
          New workspace
        </button>
      )}
    </span>
  );
}
