// How `electron-vite build` lays out out/:
//   out/main/index.js      Electron start-up (ESM)            ← src-main/index.ts
//   out/main/cli.js        the `strata` command (ESM, plain Node, no electron import)
//                          ← src-main/cli/main.ts, run by bin/strata.js
//   out/main/engine.js     the Engine facade alone (plain Node), for the benchmarks
//   out/main/api.js        the API dispatcher (plain Node), for bench/loop-run.js
//   out/main/chunks/*.js   code both entries share, if any
//   out/preload/preload.cjs  sandboxed preload (CommonJS: sandboxed preloads cannot be ESM)
//   out/renderer/          the Vue app: index.html + assets/
// Dependencies stay external (resolved from node_modules at run time), and so does the
// native addon: native/lib/load.ts requires native/build/Release/*.node by path.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './src-shared/csp';

const root = fileURLToPath(new URL('.', import.meta.url));
const fromRoot = (...parts: string[]): string => resolve(root, ...parts);
/** `@shared/…`: src-shared, the code that runs anywhere (main, preload, renderer, CLI). */
const alias = { '@shared': fromRoot('src-shared') };
const pkg = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')) as { version: string };

/** Fails the build when index.html's CSP <meta> drifts from the header the main process sets. */
function cspInSync(): Plugin {
  return {
    name: 'strata:csp-in-sync',
    transformIndexHtml(html) {
      if (!html.includes(`content="${CONTENT_SECURITY_POLICY}"`)) {
        throw new Error(`src-renderer/index.html must carry the CSP of src-shared/csp.ts: ${CONTENT_SECURITY_POLICY}`);
      }
      return html;
    },
  };
}

export default defineConfig({
  main: {
    resolve: { alias },
    // `strata --version` prints it without reading package.json.
    define: { __STRATA_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: fromRoot('out/main'),
      // The CLI runs under plain Node 20 (package.json "engines"), not only Electron's Node.
      target: 'node20',
      sourcemap: true,
      // zod and fzstd are bundled in: one file parses far faster than zod's hundred
      // modules, and every `strata` command pays its start-up (bench: containers).
      externalizeDeps: { exclude: ['zod', 'fzstd'] },
      rolldownOptions: {
        input: {
          index: fromRoot('src-main/index.ts'),
          cli: fromRoot('src-main/cli/main.ts'),
          // The engine alone, for the benchmark's in-process timings (bench/containers.js).
          engine: fromRoot('src-main/engine/index.ts'),
          // The API table's dispatcher, for the engine-loop benchmark (bench/loop-run.js).
          api: fromRoot('src-main/api/dispatch.ts'),
        },
        // Native addons are loaded at run time by path; never let the bundler follow them.
        external: [/\.node$/],
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
          // Every file costs Node's loader ~0.4 ms (resolve, read, link) whatever its size, and
          // automatic chunking cut what a command loads into 30-odd small chunks. Three chunks
          // instead, by what a command needs: `base`, the CLI's start and its commands' help;
          // `client`, a connection and the API client, all a command on a socket loads besides
          // the socket's own code; `core`, the engine, the API table, the addon's wrappers and
          // the shared code they import statically, for a command that opens the engine.
          codeSplitting: {
            groups: [
              { name: 'base', priority: 3, test: /[\\/](src-shared[\\/](errors|ports|api[\\/]api-error)|src-main[\\/]engine[\\/](containers[\\/]container-filters|images[\\/]reference))\.ts$/ },
              {
                name: 'client',
                priority: 2,
                test: /[\\/](src-main[\\/]connections[\\/](connection|deferred-host|local-transport|starting-transport|served-store|fallback-transport)|src-shared[\\/]api[\\/](client|listeners|protocol)|src-main[\\/]engine[\\/](rootless[\\/]rootless-paths|store[\\/]root-store))\.ts$/,
              },
              { name: 'core', priority: 1, tags: ['$initial'], test: /[\\/](src-main[\\/](engine|api)|native[\\/]lib|src-shared|node_modules[\\/]zod)[\\/](?!api[\\/]ws-transport\.ts$)/ },
            ],
          },
        },
      },
    },
  },
  preload: {
    resolve: { alias },
    define: { __STRATA_VERSION__: JSON.stringify(pkg.version) },
    build: {
      outDir: fromRoot('out/preload'),
      sourcemap: true,
      // A sandboxed preload can require only `electron`: bundle everything else in.
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: fromRoot('src-main/electron/preload.ts') },
        output: {
          format: 'cjs',
          entryFileNames: '[name].cjs',
        },
      },
    },
  },
  renderer: {
    root: fromRoot('src-renderer'),
    resolve: { alias },
    plugins: [vue(), cspInSync()],
    build: {
      outDir: fromRoot('out/renderer'),
      rolldownOptions: {
        input: fromRoot('src-renderer/index.html'),
      },
    },
  },
});
