import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const realNodes = path.resolve(here, '../../editor/src/canvas/nodes');
const countingNodes = path.resolve(here, 'counting-nodes.tsx');

/**
 * Gives the canvas (editor/src/canvas/flow-canvas.tsx imports `./nodes`) the counting node types of
 * counting-nodes.tsx; that module itself still gets the real ones.
 */
function countNodeRenders(): Plugin {
  return {
    name: 'bench-count-node-renders',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || importer === countingNodes || !source.endsWith('/nodes')) return null;
      return path.resolve(path.dirname(importer), source) === realNodes ? countingNodes : null;
    },
  };
}

// Built by bench/editor.bench.ts into a temporary directory (`build.outDir` is set there).
export default defineConfig({
  root: here,
  base: './',
  plugins: [countNodeRenders(), react()],
  logLevel: 'warn',
  build: { emptyOutDir: true, chunkSizeWarningLimit: 5000 },
});
