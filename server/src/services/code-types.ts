import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { CodeDiagnostic } from '#core/code-compile';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The step is checked as a file inside the repository, so `lodash-es`, `date-fns` and `zod` resolve to their real types. */
const STEP_FILE = path.join(repoRoot, 'server', '__code_step__.ts');
const GLOBALS_FILE = path.join(repoRoot, 'server', '__code_step_globals__.d.ts');
/** `CodeStepContext` and `CodeStepResponse` as globals: a step annotates `ctx: CodeStepContext` without importing it. */
const GLOBALS = `import type { CodeStepContext as C, CodeStepResponse as R } from '#core/code';
declare global {
  type CodeStepContext = C;
  type CodeStepResponse = R;
}
export {};
`;

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  strict: true,
  noImplicitAny: false,
  noEmit: true,
  skipLibCheck: true,
  types: [],
  isolatedModules: true,
};

let service: ts.LanguageService | undefined;
let current = { text: '', version: 0 };

/** One language service for the process: the standard library and the helpers' types are read once. */
function languageService(): ts.LanguageService {
  if (service) return service;
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [STEP_FILE, GLOBALS_FILE],
    getScriptVersion: (file) => (file === STEP_FILE ? String(current.version) : '1'),
    getScriptSnapshot: (file) => {
      if (file === STEP_FILE) return ts.ScriptSnapshot.fromString(current.text);
      if (file === GLOBALS_FILE) return ts.ScriptSnapshot.fromString(GLOBALS);
      return fs.existsSync(file) ? ts.ScriptSnapshot.fromString(fs.readFileSync(file, 'utf8')) : undefined;
    },
    getCurrentDirectory: () => repoRoot,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (file) => file === STEP_FILE || file === GLOBALS_FILE || ts.sys.fileExists(file),
    readFile: (file) => (file === STEP_FILE ? current.text : file === GLOBALS_FILE ? GLOBALS : ts.sys.readFile(file)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  service = ts.createLanguageService(host, ts.createDocumentRegistry());
  return service;
}

/**
 * Type errors in a TypeScript step, shown in the editor as warnings and never blocking (the step is transpiled, not
 * type-checked, when it runs). `input` is whatever the mapping gives (any); annotate `ctx: CodeStepContext` to have
 * its members checked. Syntax and import problems are the compiler's (checkCode), not repeated here.
 */
export function typeDiagnostics(source: string): CodeDiagnostic[] {
  current = { text: source, version: current.version + 1 };
  const ls = languageService();
  const file = ls.getProgram()?.getSourceFile(STEP_FILE);
  if (!file) return [];
  return ls
    .getSemanticDiagnostics(STEP_FILE)
    .filter((d) => d.start !== undefined)
    .slice(0, 50)
    .map((d) => {
      const { line, character } = file.getLineAndCharacterOfPosition(d.start!);
      return { message: ts.flattenDiagnosticMessageText(d.messageText, '\n'), line: line + 1, column: character + 1, severity: 'warning' as const };
    });
}
