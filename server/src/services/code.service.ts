import { CODE_RUN_ACTIVITY, TEST_CODE_STEP_WORKFLOW, type CodeLanguage, type CodeRunInput, type TestCodeStepInput, type TestCodeStepResult } from '#core/code';
import { typeDiagnostics } from './code-types';
import { CodeCompileError, compileCode, formatDiagnostic, syntaxErrors, type CodeDiagnostic } from '#core/code-compile';
import { AppError } from '#core/errors';
import { walkNodes, type CodeNode, type FlowDocument } from '#core/flow';
import type { RunMode } from '#core/catalog-sdk';
import type { FlowProblem } from '#core/validate';
import type { Db } from '#store/database';
import type { SecretStore } from '#store/secrets';
import type { ServerDeps } from '../deps';
import { getSettings } from '#store/settings.repository';

/**
 * Code steps at publish: each must compile (a syntax error names its line and column; no default export, or an
 * import outside the allowed set, is refused too), read only the secrets it declares, and every declared secret must
 * have a value. Problems name the node and the field (`source`, `secrets`).
 */
export async function codeProblems(secrets: SecretStore, workspaceId: string, document: FlowDocument): Promise<FlowProblem[]> {
  const problems: FlowProblem[] = [];
  const declared: { node: CodeNode; name: string }[] = [];
  for (const { node } of walkNodes(document)) {
    if (node.type !== 'code') continue;
    try {
      await compileCode(node.source, node.language);
    } catch (err) {
      if (!(err instanceof CodeCompileError)) throw err;
      for (const d of err.diagnostics)
        problems.push({ code: 'CODE_INVALID', nodeId: node.id, field: 'source', message: `Node "${node.id}", source: ${formatDiagnostic(d)}` });
    }
    for (const name of secretsRead(node.source)) {
      if (!node.secrets.includes(name))
        problems.push({
          code: 'UNDECLARED_SECRET',
          nodeId: node.id,
          field: 'secrets',
          message: `Node "${node.id}" reads ctx.secrets.${name} but does not declare it: add ${name} to the step's secrets (only declared secrets are given to the code)`,
        });
    }
    for (const name of node.secrets) declared.push({ node, name });
  }
  const presence = await secrets.presence(workspaceId, [...new Set(declared.map((d) => d.name))]);
  for (const { node, name } of declared) {
    const p = presence.get(name);
    if (p?.live) continue;
    problems.push(
      p?.test
        ? {
            code: 'SETUP_TEST_ONLY',
            nodeId: node.id,
            field: `secrets.${name}`,
            message: `Node "${node.id}" declares the secret ${name}, which has only a test value: live runs would stop. Set its live value under Secrets before publishing`,
          }
        : {
            code: 'MISSING_SETUP_VARIABLE',
            nodeId: node.id,
            field: `secrets.${name}`,
            message: `Node "${node.id}" declares the secret ${name}, which has no value in this workspace: add it under Secrets`,
          },
    );
  }
  return problems;
}

/**
 * The secret names a source reads as `secrets.NAME`, `secrets['NAME']` or `const { NAME } = ctx.secrets`. A static
 * look, for the publish check: the sandbox itself only ever holds the declared ones, whatever the code does.
 */
export function secretsRead(source: string): string[] {
  const names = new Set<string>();
  for (const m of source.matchAll(/\bsecrets\s*(?:\?\.|\.)\s*([A-Za-z_$][\w$]*)|\bsecrets\s*(?:\?\.)?\[\s*(['"`])([^'"`]+)\2\s*\]/g)) names.add(m[1] ?? m[3]!);
  for (const m of source.matchAll(/\{([^{}]*)\}\s*=\s*(?:[A-Za-z_$][\w$]*\.)?secrets\b/g)) {
    for (const part of m[1]!.split(',')) {
      const name = /^\s*([A-Za-z_$][\w$]*)/.exec(part)?.[1];
      if (name) names.add(name);
    }
  }
  return [...names];
}

/**
 * Saving a draft refuses a code step with a syntax error (422, naming the node, line and column); the other code
 * problems (imports, default export, secrets) are refused at publish, since a draft is saved while it is written.
 */
export async function refuseCodeSyntaxErrors(document: FlowDocument): Promise<void> {
  const problems: FlowProblem[] = [];
  // Each distinct source is parsed once (a document may hold many steps with the same code).
  const parsed = new Map<string, ReturnType<typeof syntaxErrors>>();
  for (const { node } of walkNodes(document)) {
    if (node.type !== 'code') continue;
    const key = `${node.language}\u0000${node.source}`;
    if (!parsed.has(key)) parsed.set(key, syntaxErrors(node.source, node.language));
    for (const d of await parsed.get(key)!)
      problems.push({ code: 'CODE_INVALID', nodeId: node.id, field: 'source', message: `Node "${node.id}", source: ${formatDiagnostic(d)}` });
  }
  if (problems.length > 0) throw new AppError('FLOW_INVALID', `The draft was not saved: ${problems.map((p) => p.message).join('; ')}`, { problems });
}

/**
 * The problems publish would find in a source (nothing runs): empty when it compiles. TypeScript that compiles is
 * also type-checked: type errors come back as warnings (shown in the editor, never blocking).
 */
export async function checkCode(source: string, language: CodeLanguage): Promise<CodeDiagnostic[]> {
  try {
    await compileCode(source, language);
    return language === 'typescript' ? typeDiagnostics(source) : [];
  } catch (err) {
    if (err instanceof CodeCompileError) return err.diagnostics;
    throw err;
  }
}

/** Code steps need App Settings' Backend functions switch, as instant integrations do (403 while it is off). */
export async function requireBackendFunctions(db: Db, workspaceId: string, what: string): Promise<void> {
  if ((await getSettings(db, workspaceId)).backendFunctions) return;
  throw new AppError(
    'FORBIDDEN',
    `Backend functions are off for this workspace, and ${what} needs them. Switch on Backend functions in App Settings (PATCH /api/settings {"backendFunctions": true}).`,
  );
}

/**
 * "Test this step": runs a code step once, in test mode (test secret values, usage recorded at price 0), in the
 * worker as the same `code.run@1` activity a run uses, and answers its output, logs, error and credits.
 */
export async function testCodeStep(
  deps: Pick<ServerDeps, 'db' | 'temporal'>,
  workspaceId: string,
  o: { nodeId: string; step: CodeRunInput },
): Promise<TestCodeStepResult> {
  await requireBackendFunctions(deps.db, workspaceId, 'a code step');
  try {
    await compileCode(o.step.source, o.step.language);
  } catch (err) {
    if (err instanceof CodeCompileError)
      return { ok: false, error: { message: `The code does not compile: ${err.message}`, type: 'CODE_INVALID' }, logs: [], credits: 0, ms: 0 };
    throw err;
  }
  const mode: RunMode = 'test';
  const input: TestCodeStepInput = { workspaceId, nodeKey: o.nodeId, step: o.step };
  const { temporal } = deps;
  return temporal.call(
    (client) =>
      client.workflow.execute<(i: TestCodeStepInput) => Promise<TestCodeStepResult>>(TEST_CODE_STEP_WORKFLOW, {
        args: [input],
        taskQueue: temporal.taskQueue,
        workflowId: `test-code-step:${workspaceId}:${o.nodeId}:${Date.now()}`,
        workflowExecutionTimeout: '3m',
        memo: { mode, activity: CODE_RUN_ACTIVITY },
      }),
    { deadlineMs: 185_000 },
  );
}
