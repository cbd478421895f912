import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { isEncrypted } from '#store/payload-codec';
import { testPayloadCodec } from './temporal';

type Event = Record<string, unknown>;

async function eventsOf(client: Client, workflowId: string): Promise<Event[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []) as unknown as Event[];
}

/** How many events a workflow's history has (its current run: continued-as-new runs are separate histories). */
export async function historyEventCount(client: Client, workflowId: string, runId?: string): Promise<number> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return history.events?.length ?? 0;
}

/**
 * Every payload in a workflow's history: its size and its text (to look for a blob key, or for data that must not be
 * there). Payloads the test helpers encrypted (store/src/payload-codec.ts) are decrypted first, as the worker sees them.
 */
export async function historyPayloadSizes(client: Client, workflowId: string): Promise<{ bytes: number; text: string }[]> {
  const payloads: Payload[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > 30 || value === null || typeof value !== 'object') return;
    if (value instanceof Uint8Array) return;
    const data = (value as { data?: unknown }).data;
    if ('metadata' in value && data instanceof Uint8Array) {
      payloads.push(value as Payload);
      return;
    }
    for (const v of Object.values(value)) visit(v, depth + 1);
  };
  for (const event of await eventsOf(client, workflowId)) visit(event, 0);
  const out: { bytes: number; text: string }[] = [];
  for (const payload of payloads) {
    const plain = isEncrypted(payload) ? (await testPayloadCodec.decode([payload]))[0]! : payload;
    const data = plain.data ?? new Uint8Array();
    out.push({ bytes: data.length, text: Buffer.from(data).toString('utf8') });
  }
  return out;
}

/** A workflow and every child workflow it started (recursively): how many history events each has. */
export async function workflowTreeEventCounts(client: Client, workflowId: string): Promise<{ workflowId: string; events: number }[]> {
  const out: { workflowId: string; events: number }[] = [];
  const queue = [workflowId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const events = await eventsOf(client, id);
    out.push({ workflowId: id, events: events.length });
    for (const e of events) {
      const started = e.startChildWorkflowExecutionInitiatedEventAttributes as { workflowId?: string } | undefined;
      if (started?.workflowId) queue.push(started.workflowId);
    }
  }
  return out;
}

/** Every Temporal run of a workflow id (a run that continued as new has several), oldest first, with its event count. */
export async function historiesOfWorkflow(client: Client, workflowId: string): Promise<{ runId: string; events: number }[]> {
  const out: { runId: string; events: number; start: number }[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    out.push({ runId: w.runId, events: await historyEventCount(client, workflowId, w.runId), start: w.startTime.getTime() });
  }
  return out.sort((a, b) => a.start - b.start).map(({ runId, events }) => ({ runId, events }));
}
