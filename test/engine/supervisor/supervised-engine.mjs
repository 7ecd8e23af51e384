// A long-lived engine in a process of its own, opened the way the window opens its engine:
// the built engine (out/main/engine.js, `npm run build`) and openSupervisedApi — the very
// function the window's main process calls (electron/ipc.ts), without Electron.
//
//   node supervised-engine.mjs <root> [<retryMs>]
//       prints "role supervisor" or "role follower" at once and at every change; on
//       SIGTERM closes the API, leaves the election and exits 0.
import { Engine } from '../../../out/main/engine.js';
import { openSupervisedApi } from '../../../out/main/api.js';

const [root, retryMs] = process.argv.slice(2);
const engine = Engine.open({ root });
const supervised = openSupervisedApi(
  { engine, onInternalError: (method, error) => console.error(`${method}:`, error) },
  { retryMs: retryMs ? Number(retryMs) : undefined, onRole: (role) => console.log(`role ${role}`) },
);
// The election's timer is unref'd, as in the window: this keeps the process up.
const alive = setInterval(() => {}, 1 << 30);
process.once('SIGTERM', () => {
  void supervised.close().finally(() => {
    clearInterval(alive);
    process.exit(0);
  });
});
