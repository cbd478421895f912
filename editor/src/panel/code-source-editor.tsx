import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { javascript, javascriptLanguage, typescriptLanguage } from '@codemirror/lang-javascript';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import type { EditorView } from '@codemirror/view';
import CodeMirror from '@uiw/react-codemirror';
import { api } from '../api/client';
import { useMemo } from 'react';

/**
 * The code step's source editor: CodeMirror 6 with JavaScript/TypeScript highlighting and completion of `ctx.`,
 * `ctx.secrets.` (the declared secrets) and `input.` (the step's input names). Loaded lazily (React.lazy) so the
 * editor's initial JavaScript does not carry it.
 */
export interface CodeSourceEditorProps {
  id: string;
  value: string;
  language: 'typescript' | 'javascript';
  inputNames: string[];
  secrets: string[];
  disabled: boolean;
  onChange(value: string): void;
}

const CTX_MEMBERS: Completion[] = [
  { label: 'fetch', type: 'function', detail: '(url, init?) → Promise<Response>', info: 'Guarded, metered HTTP: 1 credit per request' },
  { label: 'log', type: 'function', detail: '(...values)', info: 'Shown in the run view (bounded)' },
  { label: 'secrets', type: 'property', detail: 'declared secrets', info: 'Only the secrets this step declares' },
  { label: 'idempotencyKey', type: 'property', detail: 'string', info: 'The same for every retry of this step in this run' },
  { label: 'mode', type: 'property', detail: "'live' | 'test'" },
  { label: 'run', type: 'property', detail: '{ workflowId, runId, nodeId, attempt }' },
];

function completions(inputNames: string[], secrets: string[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const member = context.matchBefore(/\b(ctx\.secrets|ctx|input)\.\w*$/);
    if (!member) return null;
    const dot = member.text.lastIndexOf('.');
    const owner = member.text.slice(0, dot);
    const options =
      owner === 'ctx'
        ? CTX_MEMBERS
        : owner === 'ctx.secrets'
          ? secrets.map((s) => ({ label: s, type: 'constant', detail: 'secret' }))
          : inputNames.map((n) => ({ label: n, type: 'property', detail: 'input' }));
    return { from: member.from + dot + 1, options, validFor: /^\w*$/ };
  };
}

/**
 * Problems as publish would report them (syntax errors, no default export, imports outside the allowed set), from
 * the server's compiler (POST /api/code/check), shown under the lines they are on; type errors (TypeScript) as warnings.
 */
function compileProblems(language: 'typescript' | 'javascript') {
  return linter(
    async (view: EditorView): Promise<Diagnostic[]> => {
      const source = view.state.doc.toString();
      if (!source.trim()) return [];
      let diagnostics: { message: string; line?: number; column?: number; severity?: 'error' | 'warning' }[];
      try {
        ({ diagnostics } = await api<{ diagnostics: typeof diagnostics }>('POST', '/api/code/check', { source, language }));
      } catch {
        return []; // offline or refused: the publish checks still run
      }
      // The document may have changed while the server answered: positions are clamped to it.
      const doc = view.state.doc;
      return diagnostics.map((d) => {
        const line = doc.line(Math.min(Math.max(d.line ?? 1, 1), doc.lines));
        const from = Math.min(line.from + Math.max((d.column ?? 1) - 1, 0), line.to);
        return {
          from,
          to: Math.min(from + 1, line.to),
          severity: d.severity ?? 'error',
          message: d.line !== undefined ? `line ${d.line}:${d.column ?? 1}: ${d.message}` : d.message,
        };
      });
    },
    { delay: 600 },
  );
}

export default function CodeSourceEditor({ id, value, language, inputNames, secrets, disabled, onChange }: CodeSourceEditorProps) {
  const extensions = useMemo(() => {
    const lang = language === 'typescript' ? typescriptLanguage : javascriptLanguage;
    return [
      javascript({ typescript: language === 'typescript' }),
      lang.data.of({ autocomplete: completions(inputNames, secrets) }),
      autocompletion({ activateOnTyping: true }),
      compileProblems(language),
      lintGutter(),
    ];
  }, [language, inputNames, secrets]);
  return (
    <CodeMirror
      id={id}
      className="code-source"
      value={value}
      height="260px"
      editable={!disabled}
      basicSetup={{ lineNumbers: true, foldGutter: false, autocompletion: false }}
      extensions={extensions}
      onChange={onChange}
      aria-label="Source"
    />
  );
}
