import type { Payload } from '@temporalio/common';
import type { CodecPayload } from '#core/api';
import { AppError } from '#core/errors';
import { isEncrypted, payloadWorkflowId } from '#store/payload-codec';
import { runsOfWorkflows } from '#store/runs.repository';
import type { Db } from '#store/database';
import type { TemporalAccess } from '../temporal';

/**
 * Temporal's codec server protocol for the Web UI (docs/temporal.md): payloads in, payloads out, each as the JSON
 * form of its protobuf. Decoding is where encrypted histories become readable, so it is bound to the caller's
 * workspace: every encrypted payload names the workflow it belongs to, and that workflow must be one of the
 * workspace's runs (or a loop batch of one, `<run's workflow id>/…`).
 */
export function fromJson(p: CodecPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

export function toJson(p: Payload): CodecPayload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

/** What a person types in the Web UI (a signal's input): encrypted, bound to no workflow (the UI does not say which). */
export async function encodePayloads(temporal: TemporalAccess, payloads: CodecPayload[]): Promise<CodecPayload[]> {
  if (!temporal.codec) return payloads;
  return (await temporal.codec.encode(payloads.map(fromJson))).map(toJson);
}

export async function decodePayloads(db: Db, temporal: TemporalAccess, workspaceId: string, payloads: CodecPayload[]): Promise<CodecPayload[]> {
  if (!temporal.codec) return payloads;
  const parsed = payloads.map(fromJson);
  await requireOwned(db, workspaceId, parsed);
  try {
    return (await temporal.codec.decode(parsed)).map(toJson);
  } catch (err) {
    throw new AppError('VALIDATION_FAILED', (err as Error).message);
  }
}

/** Refuses (403) when an encrypted payload belongs to no run of this workspace, or names no workflow at all. */
async function requireOwned(db: Db, workspaceId: string, payloads: Payload[]): Promise<void> {
  const roots = new Map<number, string>();
  payloads.forEach((p, i) => {
    if (!isEncrypted(p)) return;
    const workflowId = payloadWorkflowId(p);
    if (!workflowId) throw new AppError('FORBIDDEN', `Payload ${i} names no workflow, so it cannot be matched to your workspace; it stays encrypted`);
    roots.set(i, workflowId.split('/')[0]!);
  });
  if (roots.size === 0) return;
  const owned = new Set((await runsOfWorkflows(db, workspaceId, [...new Set(roots.values())])).map((r) => r.workflow_id));
  for (const [i, root] of roots) {
    if (!owned.has(root) && !ownedByName(root, workspaceId))
      throw new AppError('FORBIDDEN', `Payload ${i} belongs to workflow ${root}, which is not a run of this workspace; nothing was decoded`);
  }
}

/** Workflows that carry their workspace in their id without a run row (a schedule's fire before it started its run). */
function ownedByName(workflowId: string, workspaceId: string): boolean {
  return workflowId.startsWith(`scheduled:${workspaceId}:`);
}
