import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { NO_TRACING } from '#core/tracing';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WORKFLOWS_PATH, workflowBundleOptions } from '#worker/worker';
import { goldenFlows, historyFromJSONValue } from './golden-flows';

/**
 * Replays the recorded golden histories (see README.md) against the current interpreter: a change to
 * runFlow that alters the commands it issues for an existing history fails here before it can break
 * running flows in production.
 */

const HISTORIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');
// The golden flows again, recorded by a worker without the tracing interceptors (worker.ts, workflowBundleOptions):
// the files in histories/ were recorded with them.
const UNTRACED_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories-untraced');
const WORKFLOWS_DIR = path.dirname(WORKFLOWS_PATH);
const INTERPRETER = path.join(WORKFLOWS_DIR, 'run-flow.workflow.ts');
// Git- and lint-ignored; in the same folder so the interpreter's relative imports still resolve.
const MUTANT = path.join(WORKFLOWS_DIR, '__mutant__run-flow.workflow.ts');
const MUTANT_INDEX = path.join(WORKFLOWS_DIR, '__mutant__index.ts');

const loadHistory = (name: string, dir = HISTORIES_DIR) => historyFromJSONValue(JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')));
const historyNames = (dir = HISTORIES_DIR) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();

// Each test file runs in its own process (pool: forks): keep the replay workers' logs to errors. The
// expected nondeterminism of the guard test would otherwise print a warning from the SDK's core.
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });

const removeMutant = () => {
  for (const file of [MUTANT, MUTANT_INDEX]) fs.rmSync(file, { force: true });
};

describe('replay of recorded runFlow histories', () => {
  it('replays every recorded history against the current interpreter', async () => {
    const names = historyNames();
    const golden = goldenFlows('http://127.0.0.1:1').map((f) => f.name);
    // Deleting a history file must not silently shrink the suite.
    expect(names.length).toBeGreaterThanOrEqual(golden.length);
    expect(names).toEqual(expect.arrayContaining(golden));
    // A scheduled fire (scheduledFlowRun) and its run (runFlow with a schedule trigger): record-scheduled-history.ts.
    expect(names).toEqual(expect.arrayContaining(['scheduled-run', 'scheduled-run-flow']));
    // A big loop's first batch (runFlowItems) and the first Temporal run of a run that continued as new.
    expect(names).toEqual(expect.arrayContaining(['for-each-batches-batch', 'continue-as-new-first']));

    expect(await replayAll({ codePath: inject('workflowBundlePath') }, HISTORIES_DIR)).toEqual(names.map((workflowId) => ({ workflowId })));
  });

  // Tracing on or off must never change how a run replays: the interceptors are in the bundle only with tracing on.
  describe('with and without the tracing interceptors', () => {
    let tracingBundle: { code: string };
    beforeAll(async () => {
      tracingBundle = await bundleWorkflowCode({ ...workflowBundleOptions({ tracing: true }), logger: quietLogger });
    }, 120_000);

    it('the tests’ bundle has no tracing interceptors, the tracing one has them', () => {
      const plain = fs.readFileSync(inject('workflowBundlePath'), 'utf8');
      expect(plain).not.toContain('interceptors-opentelemetry/lib/workflow-interceptors');
      expect(tracingBundle.code).toContain('interceptors-opentelemetry/lib/workflow-interceptors');
    });

    it('histories recorded with them replay with them', async () => {
      const names = historyNames();
      expect(await replayAll(tracingBundle, HISTORIES_DIR)).toEqual(names.map((workflowId) => ({ workflowId })));
    });

    it('histories recorded without them replay without them and with them', async () => {
      const names = historyNames(UNTRACED_DIR);
      expect(names).toEqual(expect.arrayContaining(goldenFlows('http://127.0.0.1:1').map((f) => f.name)));
      expect(await replayAll({ codePath: inject('workflowBundlePath') }, UNTRACED_DIR)).toEqual(names.map((workflowId) => ({ workflowId })));
      expect(await replayAll(tracingBundle, UNTRACED_DIR)).toEqual(names.map((workflowId) => ({ workflowId })));
    });
  });

  describe('the non-determinism guard', () => {
    let mutantBundle: { code: string };
    let applied = false;

    beforeAll(async () => {
      removeMutant();
      // The mutation: a 1 ms timer before anything else, so the first command is StartTimer instead of
      // whatever the history recorded (ScheduleActivityTask for an action).
      const source = fs.readFileSync(INTERPRETER, 'utf8');
      const signature = source.indexOf('export async function runFlow(');
      const bodyStart = signature < 0 ? -1 : source.indexOf('{\n', source.indexOf('): Promise<', signature));
      applied = signature >= 0 && bodyStart > signature;
      if (!applied) return;
      const mutated = `import { sleep as __mutantSleep } from '@temporalio/workflow';\n${source.slice(0, bodyStart + 2)}  await __mutantSleep(1);\n${source.slice(bodyStart + 2)}`;
      fs.writeFileSync(MUTANT, mutated);
      fs.writeFileSync(MUTANT_INDEX, "export { runFlow } from './__mutant__run-flow.workflow';\n");
      mutantBundle = await bundleWorkflowCode({ workflowsPath: MUTANT_INDEX, logger: quietLogger });
    });

    afterAll(removeMutant);

    it('rejects a deliberately changed interpreter with a determinism violation', async () => {
      expect(applied, 'the mutation found runFlow’s body in run-flow.workflow.ts').toBe(true);
      expect(fs.readFileSync(MUTANT, 'utf8')).toContain('await __mutantSleep(1);');
      const err = await Worker.runReplayHistory({ workflowBundle: mutantBundle }, loadHistory('linear-actions'), 'linear-actions').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DeterminismViolationError);
      expect(String((err as Error).message)).toMatch(/nondetermin/i);
    });

    it('still accepts the unchanged interpreter on the same history (the guard is the mutation, not the setup)', async () => {
      await expect(
        Worker.runReplayHistory(
          { workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: { exporter: makeWorkflowExporter(NO_TRACING.processor, NO_TRACING.resource) } },
          loadHistory('linear-actions'),
          'linear-actions',
        ),
      ).resolves.toBeUndefined();
    });
  });
});

/** Replays every history of a folder with a bundle; one entry per history, with its error if it has one. */
async function replayAll(workflowBundle: { codePath: string } | { code: string }, dir: string) {
  const results: { workflowId: string; error?: string }[] = [];
  const replay = Worker.runReplayHistories(
    // A bundle with the tracing interceptors exports their spans through this sink; it drops them here.
    { workflowBundle, sinks: { exporter: makeWorkflowExporter(NO_TRACING.processor, NO_TRACING.resource) } },
    historyNames(dir).map((name) => ({ workflowId: name, history: loadHistory(name, dir) })),
  );
  for await (const result of replay)
    results.push({ workflowId: result.workflowId, ...(result.error ? { error: `${result.error.name}: ${result.error.message}` } : {}) });
  return results.sort((a, b) => (a.workflowId < b.workflowId ? -1 : 1));
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m), log: noop };
