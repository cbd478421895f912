import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The editor is served by the API server from editor/dist; in development, `npx vite editor` proxies the API.
export default defineConfig({
  root: __dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/v1': 'http://127.0.0.1:3000' } },
});
