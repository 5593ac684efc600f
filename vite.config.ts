import { defineConfig } from 'vite';

// Only for the dev server (npx vite): where it forwards API, model and worker traffic.
const master = process.env.GRID_MASTER_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  root: 'web',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // TensorFlow.js is one ~1.5 MB chunk that only /worker loads; the default 500 kB limit would
    // warn on every build without telling us anything new.
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      // The app, and the classifier alone for bench:browsers' standalone mode.
      input: { app: 'web/index.html', standalone: 'web/standalone.html' },
      onwarn(warning, warn) {
        // zod ships /*@__PURE__*/ comments Rollup cannot place; harmless and not ours to fix.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/')) return;
        warn(warning);
      },
    },
  },
  server: {
    // Same isolation as the master sends, so WASM threads behave alike in development.
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    proxy: {
      '/api': master,
      '/models': master,
      '/ws': { target: master, ws: true },
    },
  },
});
