import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'editor/dist/**', '.tools/**', 'data/**', 'test-artifacts/**', 'worker/src/workflows/__mutant__*'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Function']", message: 'Never build code from strings; expressions are JSONata.' },
        { selector: "CallExpression[callee.name='eval']", message: 'Never eval; expressions are JSONata.' },
      ],
    },
  },
  {
    // The sandbox boundary: workflow code is deterministic and does no I/O. It may import
    // @temporalio/workflow, pure core modules, and only *types* from anywhere else.
    files: ['worker/src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'fs/*', 'http', 'https', 'net', 'dns', 'child_process', 'crypto', 'os', 'path', 'worker_threads'],
              message: 'Workflow code runs in the deterministic sandbox: no Node I/O modules.',
            },
            {
              group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'],
              message: 'Workflow code may import only @temporalio/workflow.',
              allowTypeImports: true,
            },
            {
              group: ['undici', 'better-sqlite3', 'kysely', 'pino', 'pg', 'express', 'stripe', 'openai'],
              message: 'No I/O libraries in workflow code.',
              allowTypeImports: true,
            },
            {
              group: ['**/activities/*', '**/store/**', '**/catalog/**', '**/server/**', '**/http/*'],
              message: 'Import activities, catalog and store code as types only (`import type`).',
              allowTypeImports: true,
            },
            { group: ['**/core/src/config'], message: 'Config reads the environment: not in workflow code.' },
            { group: ['zod', '**/core/src/flow', '**/core/src/catalog-sdk'], message: 'Modules a workflow imports are evaluated on every run: import zod-based schemas as types only (use core/src/graph).', allowTypeImports: true },
          ],
        },
      ],
    },
  },
);
