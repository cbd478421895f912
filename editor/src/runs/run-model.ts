/**
 * Pure helpers over a run's node entries (no React): grouping by node, the status a node shows in the
 * graph when it ran several times (forEach bodies), the failing node, iteration keys.
 */
import type { NodeRunState } from '../api/types';
import type { CanvasStatus } from '../graph/canvas-model';
import { NodeKindLabels } from '#core/graph';
import { shownStatus } from '#core/run';

export const FINISHED_RUN = ['completed', 'failed', 'cancelled'] as const;
export const isFinished = (status: string) => (FINISHED_RUN as readonly string[]).includes(status);

/** Entries by node id, in the order the run reached them. */
export function entriesByNode(entries: NodeRunState[]): Map<string, NodeRunState[]> {
  const out = new Map<string, NodeRunState[]>();
  for (const e of entries) out.set(e.nodeId, [...(out.get(e.nodeId) ?? []), e]);
  return out;
}

/**
 * One status for a node that ran several times: parked wins (it waits for someone), then waiting for credits,
 * then for a reconnect, then waiting for a webhook event, then running, then failed, then succeeded; all skipped is skipped.
 */
export function combinedStatus(all: NodeRunState[]): CanvasStatus {
  if (all.length === 0) return 'waiting';
  const entries = all.map((e) => ({ ...e, status: shownStatus(e) }));
  if (entries.some((e) => e.status === 'parked')) return 'parked';
  if (entries.some((e) => e.status === 'waitingForCredits')) return 'waitingForCredits';
  if (entries.some((e) => e.status === 'waitingForReconnect')) return 'waitingForReconnect';
  if (entries.some((e) => e.status === 'waitingForEvent')) return 'waitingForEvent';
  if (entries.some((e) => e.status === 'running')) return 'running';
  if (entries.some((e) => e.status === 'failed')) return 'failed';
  if (entries.some((e) => e.status === 'succeeded')) return 'succeeded';
  return 'skipped';
}

/** The node id (and entry key) where a failed run stopped: its error's node, else the first failed entry. */
export function failingEntry(run: { error?: { nodeId?: string } | undefined; nodes: NodeRunState[] }): NodeRunState | undefined {
  const key = run.error?.nodeId;
  return (key ? run.nodes.find((n) => n.key === key || n.nodeId === key) : undefined) ?? run.nodes.find((n) => n.status === 'failed');
}

/** The entries parked for a decision (retry, skip or abort), in the order the run reached them. */
export function parkedEntries(entries: NodeRunState[]): NodeRunState[] {
  return entries.filter((e) => e.status === 'parked');
}

/** `loop[2].send` → [{ forEach: 'loop', index: 2 }]; `a[0].b[1].c` → two levels. A top-level key gives []. */
export function iterationPath(key: string): { forEach: string; index: number }[] {
  const out: { forEach: string; index: number }[] = [];
  for (const m of key.matchAll(/([^.[\]]+)\[(\d+)\]\./g)) out.push({ forEach: m[1]!, index: Number(m[2]) });
  return out;
}

/** `loop[2].send` → `iteration 2`; nested → `iteration 0 › 3`. */
export function iterationLabel(key: string): string {
  const path = iterationPath(key);
  return path.length ? `iteration ${path.map((p) => p.index).join(' › ')}` : 'single run';
}

/** The entries run inside a forEach entry's iterations (their key starts with `<forEachKey>[`). */
export function iterationEntries(entries: NodeRunState[], forEachKey: string): NodeRunState[] {
  return entries.filter((e) => e.key.startsWith(`${forEachKey}[`));
}

export function attemptsLabel(attempts: number | undefined): string | null {
  return attempts && attempts > 1 ? `${attempts} attempts` : null;
}

/** Node-kind labels, defined once in core. */
export const KIND_LABEL: Record<string, string> = NodeKindLabels;
