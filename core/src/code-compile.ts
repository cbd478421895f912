import { createRequire } from 'node:module';
import path from 'node:path';
import { build, transform, type Message, type Plugin } from 'esbuild';
import { CODE_ALLOWED_IMPORTS, CODE_MAX_SOURCE_CHARS, disallowedImportMessage, isAllowedCodeImport, type CodeLanguage } from './code';

/**
 * Compiles a code step's source for the sandbox: TypeScript is transpiled (types are not checked: type errors never
 * block), allowed imports are bundled in (tree-shaken), any other import is refused naming the allowed ones, and the
 * default export is required. Node only (esbuild): the server's publish checks and the worker share it.
 */

/** Where the user's source appears in stacks and messages. */
export const CODE_SOURCE_NAME = 'step';

export interface CompiledCode {
  /** An ES module whose default export is the step's function. */
  js: string;
  /** Its source map (v3 JSON), mapping back to the user's source. */
  map: string;
}

export interface CodeDiagnostic {
  message: string;
  /** 1-based, in the user's source. */
  line?: number;
  /** 1-based, in the user's source. */
  column?: number;
  /** `warning`: a type error, shown and never blocking. Default `error`. */
  severity?: 'error' | 'warning';
}

export class CodeCompileError extends Error {
  constructor(readonly diagnostics: CodeDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('; '));
    this.name = 'CodeCompileError';
  }
}

export function formatDiagnostic(d: CodeDiagnostic): string {
  return d.line !== undefined ? `line ${d.line}:${d.column ?? 1}: ${d.message}` : d.message;
}

const require = createRequire(import.meta.url);
/** Allowed modules resolve from the project's own dependencies, wherever the compile runs. */
const resolveDir = path.dirname(require.resolve('esbuild/package.json'));

const allowedImports: Plugin = {
  name: 'switchyard-allowed-imports',
  setup(b) {
    const userFile = path.join(resolveDir, CODE_SOURCE_NAME);
    b.onResolve({ filter: /.*/ }, (args) => {
      // Only the user's own imports are checked: files inside an allowed package import each other freely.
      if (args.importer !== userFile || isAllowedCodeImport(args.path)) return undefined;
      return { errors: [{ text: disallowedImportMessage(args.path) }] };
    });
  },
};

const cache = new Map<string, Promise<CompiledCode>>();
const CACHE_SIZE = 200;

/** Compiles (memoized by source, failures included): throws CodeCompileError with line and column on any problem. */
export function compileCode(source: string, language: CodeLanguage): Promise<CompiledCode> {
  const key = `${language}\u0000${source}`;
  let hit = cache.get(key);
  if (hit) {
    // Most recently used last: the oldest is evicted first.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  hit = compileUncached(source, language);
  cache.set(key, hit);
  // A source that does not compile never will: its CodeCompileError is kept too (a draft of 1,000 code steps with the
  // same broken source compiles once). Anything else (esbuild itself failing) is tried again next time.
  hit.catch((err: unknown) => {
    if (!(err instanceof CodeCompileError)) cache.delete(key);
  });
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return hit;
}

async function compileUncached(source: string, language: CodeLanguage): Promise<CompiledCode> {
  if (source.length > CODE_MAX_SOURCE_CHARS) throw new CodeCompileError([{ message: `the source is longer than ${CODE_MAX_SOURCE_CHARS} characters` }]);
  let result;
  try {
    result = await build({
      absWorkingDir: resolveDir,
      stdin: { contents: source, loader: language === 'typescript' ? 'ts' : 'js', sourcefile: CODE_SOURCE_NAME, resolveDir },
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2020',
      mainFields: ['module', 'main'],
      conditions: ['import', 'module', 'default'],
      outfile: 'code.js',
      sourcemap: 'external',
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      // Whitespace and syntax only: the user's function names stay readable in stacks.
      minifyWhitespace: true,
      minifySyntax: true,
      // An unused import is still an import: it is refused like a used one (TypeScript would elide it silently).
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      plugins: [allowedImports],
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!errors) throw err;
    throw new CodeCompileError(errors.map(toDiagnostic));
  }
  const exports = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined || o.exports.length > 0)?.exports ?? [];
  if (!exports.includes('default'))
    throw new CodeCompileError([{ message: 'the code has no default export: write `export default async function (input, ctx) { … }`' }]);
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
  return { js, map };
}

/** Syntax errors only (no bundling, no import or export checks): what saving a draft refuses. */
export async function syntaxErrors(source: string, language: CodeLanguage): Promise<CodeDiagnostic[]> {
  try {
    await transform(source, { loader: language === 'typescript' ? 'ts' : 'js', sourcefile: CODE_SOURCE_NAME, format: 'esm', logLevel: 'silent' });
    return [];
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!errors) throw err;
    return errors.map(toDiagnostic);
  }
}

function toDiagnostic(m: Message): CodeDiagnostic {
  const loc = m.location;
  // Only positions in the user's source are worth showing; one inside a bundled library is not theirs.
  if (!loc || loc.file !== CODE_SOURCE_NAME) return { message: m.text };
  return { message: m.text, line: loc.line, column: loc.column + 1 };
}

export { CODE_ALLOWED_IMPORTS };
