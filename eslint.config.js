import tseslint from 'typescript-eslint';

/**
 * The layering (docs/architecture.md): core ← catalog, store ← worker, server; the editor on core only; nothing
 * imports server or worker from elsewhere. Each folder lists the top-level folders it may not reach; tests, which sit
 * at the top of the pyramid, may reach anything.
 */
const topFolders = { core: 'core/src', store: 'store/src', catalog: 'catalog', worker: 'worker/src', server: 'server/src', editor: 'editor/src' };
// Patterns are gitignore-style, where a leading # starts a comment: an alias is written \\#core/….
const layer = (forbidden, why) =>
  forbidden.map((name) => ({ group: [`**/${topFolders[name]}/**`, `**/${topFolders[name]}`, `\\#${name}`, `\\#${name}/**`], message: why }));
const forbid = (...names) => names;
/** Another top folder is reached through its package.json alias (#core/flow), never by climbing out with ../../
 * (the editor has no alias: nothing but its own bench harness imports it). */
const noClimbing = Object.values(topFolders)
  .filter((dir) => dir !== 'editor/src')
  .map((dir) => ({
    group: [`../**/${dir}/**`, `../**/${dir}`],
    message: `Import another top folder through its alias (#core/…, #store/…, #catalog, #worker/…, #server/…; package.json "imports"), not a relative path.`,
  }));
const layers = [
  { files: ['core/**/*.ts'], patterns: layer(forbid('store', 'catalog', 'worker', 'server', 'editor'), 'core/ imports nothing outside core/.') },
  { files: ['store/**/*.ts'], patterns: layer(forbid('catalog', 'worker', 'server', 'editor'), 'store/ imports only core/.') },
  { files: ['catalog/**/*.ts'], patterns: layer(forbid('store', 'worker', 'server', 'editor'), 'catalog/ imports only core/ (and catalog/webhooks).') },
  { files: ['worker/**/*.ts'], patterns: layer(forbid('server', 'editor'), 'worker/ never imports server/ or editor/.') },
  { files: ['server/**/*.ts'], patterns: layer(forbid('worker', 'editor'), 'server/ never imports worker/ or editor/.') },
  {
    files: ['server/src/routes/**/*.ts'],
    patterns: layer(forbid('worker', 'editor', 'store'), 'Routes call services; services call the store (README, Adding a route).'),
  },
  // The app client is a package of its own: it imports nothing of the platform (its types are generated from the OpenAPI document).
  {
    files: ['clients/js/src/**/*.ts'],
    patterns: layer(
      forbid('core', 'store', 'catalog', 'worker', 'server', 'editor'),
      'clients/js/src is standalone: fetch only, no imports from the platform.',
    ),
  },
  { files: ['editor/src/**/*.{ts,tsx}'], patterns: layer(forbid('store', 'catalog', 'worker', 'server'), 'The editor imports only core/ and itself.') },
];
const testFiles = ['**/*.test.ts', '**/*.test.tsx'];

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
    files: ['**/*.{ts,tsx}'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: noClimbing }] },
  },
  ...layers.map(({ files, patterns }) => ({
    files,
    ignores: testFiles,
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...patterns, ...noClimbing] }] },
  })),
  {
    // Small parts: a function this long is a module or a class waiting to be named (STYLE.md §13).
    files: ['worker/**/*.ts', 'server/**/*.ts'],
    ignores: testFiles,
    rules: { 'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }] },
  },
  {
    // The sandbox boundary: workflow code is deterministic and does no I/O. It may import
    // @temporalio/workflow, pure core modules, and only *types* from anywhere else.
    files: ['worker/src/workflows/**/*.ts'],
    ignores: testFiles,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            // A later block replaces a rule's options for its files: repeat the worker's layering here.
            ...layers.find((l) => l.files[0] === 'worker/**/*.ts').patterns,
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
              group: [
                '**/activities/*',
                '**/store/**',
                '**/catalog/**',
                '**/server/**',
                '**/http/*',
                '\\#store/**',
                '\\#catalog',
                '\\#catalog/**',
                '\\#server/**',
                '\\#worker/**',
              ],
              message: 'Import activities, catalog and store code as types only (`import type`).',
              allowTypeImports: true,
            },
            { group: ['**/core/src/config', '\\#core/config'], message: 'Config reads the environment: not in workflow code.' },
            {
              group: ['zod', '**/core/src/flow', '**/core/src/catalog-sdk', '\\#core/flow', '\\#core/catalog-sdk'],
              message: 'Modules a workflow imports are evaluated on every run: import zod-based schemas as types only (use core/src/graph).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
