import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

// The editor is served by the API server from editor/dist; in development, `npx vite editor` proxies the API.
// Every asset is also written brotli- and gzip-compressed (`.br`, `.gz`): the server sends those, never compressing
// on the fly, and hashed assets are cached as immutable (server/src/app.ts).
export default defineConfig({
  root: __dirname,
  plugins: [react(), compression({ algorithms: ['gzip', 'brotliCompress'], exclude: [/\.map$/] })],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/v1': 'http://127.0.0.1:3000' } },
});
