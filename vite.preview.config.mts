import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** Builds the browser-preview `window.ava` shim (see src/preview/shim). */
export default defineConfig({
  build: {
    outDir: resolve(import.meta.dirname, 'out/preview'),
    emptyOutDir: true,
    target: 'es2022',
    lib: {
      entry: resolve(import.meta.dirname, 'src/preview/shim/index.ts'),
      formats: ['es'],
      fileName: () => 'preview-shim.js',
    },
  },
});
