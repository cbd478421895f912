import { memo, useId, useMemo, useState, type DragEvent } from 'react';
import type { ActionInfo } from '#core/catalog-sdk';
import type { CanvasKind } from '../graph/canvas-model';
import { PALETTE_MIME, paletteGroups, type PaletteItem } from '../graph/palette';
import { integrationTitle, KindIcon } from './icons';

function itemKind(item: PaletteItem): CanvasKind {
  if (item.kind === 'trigger') return 'trigger';
  if (item.kind === 'logic') return item.nodeType;
  return 'action';
}

function groupTitle(title: string): string {
  return title === 'Triggers' || title === 'Logic' ? title : integrationTitle(title);
}

/**
 * The palette: steps to drag onto the canvas. Every item is a button: Enter (or a click) adds it at the
 * centre of the view; a trigger item replaces the flow's trigger.
 */
export const PalettePanel = memo(function PalettePanel({ actions, onAdd }: { actions: ActionInfo[]; onAdd: (item: PaletteItem) => void }) {
  const [search, setSearch] = useState('');
  const groups = useMemo(() => paletteGroups(actions, search), [actions, search]);
  const searchId = useId();
  const onDragStart = (e: DragEvent, item: PaletteItem) => {
    e.dataTransfer.setData(PALETTE_MIME, JSON.stringify(item));
    e.dataTransfer.setData('text/plain', item.title);
    e.dataTransfer.effectAllowed = 'copy';
  };
  return (
    <nav className="sy-palette" aria-label="Steps">
      <div className="sy-palette-search">
        <label htmlFor={searchId} className="sr-only">
          Search steps
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search steps…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => {
            // Enter adds the first match, as the hint says.
            const first = groups[0]?.items[0];
            if (e.key !== 'Enter' || !first) return;
            e.preventDefault();
            onAdd(first);
          }}
        />
        <p className="sy-palette-hint">Drag onto the canvas, or press Enter to add (after the selected step).</p>
      </div>
      <div className="sy-palette-groups">
        {groups.length === 0 && <p className="sy-muted">Nothing matches “{search}”.</p>}
        {groups.map((g) => (
          <section key={g.title} className="sy-palette-group" aria-label={groupTitle(g.title)}>
            <h3>{groupTitle(g.title)}</h3>
            <ul>
              {g.items.map((item) => (
                <li key={`${item.kind}:${item.kind === 'action' ? item.action : item.title}`}>
                  <button
                    type="button"
                    className="sy-palette-item"
                    draggable
                    onDragStart={(e) => onDragStart(e, item)}
                    onClick={() => onAdd(item)}
                    title={item.kind === 'trigger' ? `${item.description} (replaces the trigger)` : item.description}
                  >
                    <KindIcon kind={itemKind(item)} integration={item.kind === 'action' ? item.integration : undefined} size={24} />
                    <span className="sy-palette-text">
                      <span className="sy-palette-title">{item.title}</span>
                      <span className="sy-palette-desc">{item.description}</span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </nav>
  );
});
