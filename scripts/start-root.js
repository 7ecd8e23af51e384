#!/usr/bin/env node
// `sudo npm run start:root`: the documented fallback that runs the window as root. It runs
// the app already built in out/ with the Electron binary directly and `--no-sandbox` on the
// real command line — Chromium aborts a root process without it before any of the app's
// JavaScript runs, so the app cannot add it itself (src-main/electron/sandbox.ts). It never
// builds: a build as root would leave out/ owned by root, and the next `npm start` as the
// user would fail with EACCES. Build as your user (`npm run build`), then start as root.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line) => process.stderr.write(`strata: ${line}\n`);

if (process.getuid?.() !== 0) {
  say('start:root is the fallback for running the window as root; as your user run `npm start` (the sandbox stays on)');
  process.exit(2);
}

const needed = ['out/main/index.js', 'out/preload/preload.cjs', 'out/renderer/index.html'];
const missing = needed.filter((file) => !fs.existsSync(path.join(root, file)));
if (missing.length) {
  say(`not built (${missing.join(', ')} missing): run \`npm run build\` as your user first — start:root never builds, so out/ stays yours`);
  process.exit(2);
}

let electron;
try {
  // The electron package's main export is the path of its binary.
  electron = createRequire(import.meta.url)('electron');
} catch (error) {
  say(`the Electron binary is not installed (${error instanceof Error ? error.message : String(error)}): run \`npm install\` as your user`);
  process.exit(2);
}

say("starting the app built in out/ as root with --no-sandbox (Chromium's process sandbox off; the renderer keeps context isolation). This never builds: after a change, run `npm run build` as your user first.");
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // inherited, it would make the binary plain Node
const child = spawn(electron, ['--no-sandbox', root], { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  say(`cannot start ${electron}: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
