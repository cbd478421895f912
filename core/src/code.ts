/**
 * The contract of code steps (backend functions written by users), shared by the flow schema, the server's
 * publish checks, the worker's sandbox and the editor. Pure: no I/O, no zod (workflow code imports it).
 */

/** The activity every code step runs as: retries, onError, parking and credits work as for catalog actions. */
export const CODE_RUN_ACTIVITY = 'code.run@1';

/** The only modules a code step may import; each is bundled into the sandbox (tree-shaken) when imported. */
export const CODE_ALLOWED_IMPORTS = ['lodash-es', 'date-fns', 'zod'] as const;

/** Whether `specifier` is one of the allowed modules or a subpath of one (`date-fns/addDays`). */
export function isAllowedCodeImport(specifier: string): boolean {
  return CODE_ALLOWED_IMPORTS.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

export function disallowedImportMessage(specifier: string): string {
  return `import "${specifier}" is not allowed: a code step may import only ${CODE_ALLOWED_IMPORTS.join(', ')}`;
}

/** Limits of one execution. The sandbox enforces each; exceeding one fails the step (non-retryable) naming it. */
export const CodeLimitDefaults = {
  /** Time spent running JavaScript (awaiting ctx.fetch does not count). */
  cpuMs: 5_000,
  memoryMb: 64,
  /** The returned value as JSON. */
  outputBytes: 256 * 1024,
  fetches: 50,
  /** Everything ctx.log wrote; beyond it, lines are dropped and a marker says so. */
  logBytes: 64 * 1024,
} as const;

export const CodeLimitMaximums = {
  cpuMs: 60_000,
  memoryMb: 256,
  outputBytes: 1024 * 1024,
  fetches: 500,
  logBytes: 256 * 1024,
} as const;

export type CodeLimits = { -readonly [K in keyof typeof CodeLimitDefaults]: number };

/** The limits of a step: its own settings within the maximums, the defaults elsewhere. */
export function codeLimits(partial: Partial<CodeLimits> | undefined): CodeLimits {
  const out = { ...CodeLimitDefaults } as CodeLimits;
  for (const key of Object.keys(CodeLimitDefaults) as (keyof CodeLimits)[]) {
    const value = partial?.[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) out[key] = Math.min(Math.floor(value), CodeLimitMaximums[key]);
  }
  return out;
}

/** The largest source a code step may hold (it travels in the run's history with every execution). */
export const CODE_MAX_SOURCE_CHARS = 100_000;

export const CodeLanguages = ['typescript', 'javascript'] as const;
export type CodeLanguage = (typeof CodeLanguages)[number];

/** What the `code.run@1` activity receives as its input (secret names only; values are read in the activity). */
export interface CodeRunInput {
  source: string;
  language: CodeLanguage;
  /** The step's resolved input mapping: the function's first argument. */
  input: unknown;
  /** Declared secret names: the only ones `ctx.secrets` holds. */
  secrets: string[];
  limits?: Partial<CodeLimits>;
}

/** What `code.run@1` returns: the function's value and what it logged (both scrubbed of secret values). */
export interface CodeRunOutput {
  value: unknown;
  logs: string[];
  fetches: number;
}

/** Error types a code step fails with (Temporal failure types): a limit or a compile error is not retried; an error the code threw is (its retry policy). */
export const CodeFailureTypes = {
  limit: 'CodeLimitExceeded',
  compile: 'CodeCompileError',
  thrown: 'CodeError',
} as const;

/** "Test this step": one execution of a code step in test mode, outside any run. */
export interface TestCodeStepInput {
  workspaceId: string;
  /** The node's id: with the test's workflow id it makes ctx.idempotencyKey. */
  nodeKey: string;
  step: CodeRunInput;
}

/** What "Test this step" shows: the output or the error, the log, and the credits the execution would cost in a live run. */
export type TestCodeStepResult =
  | { ok: true; output: unknown; logs: string[]; credits: number; ms: number }
  | { ok: false; error: { message: string; type?: string }; logs: string[]; credits: number; ms: number };

/** The workflow type that runs "Test this step". */
export const TEST_CODE_STEP_WORKFLOW = 'testCodeStep';

/** The answer of `ctx.fetch`: a WHATWG Response, reduced to what a backend function reads. */
export interface CodeStepResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null; has(name: string): boolean; entries(): [string, string][] };
  text(): Promise<string>;
  json(): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a provider's JSON, as fetch gives it
}

/**
 * What a code step's function receives as `ctx`: `export default async function (input, ctx: CodeStepContext)`.
 * The catalog's backend-function examples are typed with it (the `import type` line is erased when a step runs).
 */
export interface CodeStepContext {
  /** Through the worker's guarded HTTP client; 1 credit per request, charged before it is sent. */
  fetch(
    url: string,
    init?: { method?: string; headers?: Record<string, string> | [string, string][]; body?: string | URLSearchParams },
  ): Promise<CodeStepResponse>;
  /** Shown in the run view (bounded); secret values are redacted. */
  log(...values: unknown[]): void;
  /** Only the secrets the step declares; test values in test runs. */
  secrets: Readonly<Record<string, string | undefined>>;
  /** The same for every retry of this step in this run: pass it to providers that deduplicate. */
  idempotencyKey: string;
  mode: 'live' | 'test';
  run: { workflowId: string; runId: string; nodeId: string; attempt: number };
}
