import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The dashboard: built into web/dist and served by the API server at `/`. In dev, /v1 goes to the API. */
export default defineConfig(({ command }) => ({
  root,
  plugins: [react()],
  // A build is always React's production build, even when started from a
  // process whose NODE_ENV says otherwise (the test runner sets "test").
  define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    port: 5173,
    host: '127.0.0.1',
    proxy: { '/v1': { target: 'http://127.0.0.1:4000', changeOrigin: false } },
  },
}));
