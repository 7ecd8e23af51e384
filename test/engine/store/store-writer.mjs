// A store writer in a process of its own, for the store tests: the built engine
// (out/main/engine.js, `npm run build`) opens the store and takes its lock through
// Store.write — the engine's own lock module, as the CLI and the window take it.
//
//   node store-writer.mjs <root> hold
//       under the lock, stages a file in tmp/ as an import job does, prints "held", waits
//       for a line on stdin, then prints "intact" or "lost" (is its staged file still
//       there?), appends "writer" to <root>/../order and lets go.
//   node store-writer.mjs <root> rewrite-index <tags> [<count>]
//       rewrites index.json <count> times (forever without it), each time one image whose
//       <tags> tags all carry the version number; prints "wrote <n>" after each.
//   node store-writer.mjs <dir> open-fresh <count>
//       opens <count> new stores, <dir>/0 … <dir>/<count - 1>, one after the other.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { Engine } from '../../../out/main/engine.js';

const [root, mode, ...args] = process.argv.slice(2);

function nextLine() {
  const lines = readline.createInterface({ input: process.stdin });
  return new Promise((resolve) =>
    lines.once('line', (line) => {
      lines.close();
      process.stdin.destroy(); // nothing more to read: let the process end when its work does
      resolve(line);
    }),
  );
}

if (mode === 'hold') {
  const store = Engine.open({ root }).store;
  await store.write(async () => {
    const job = path.join(store.paths.tmp, `import-${process.pid}-held`);
    fs.mkdirSync(job);
    const staged = path.join(job, 'blob-0');
    fs.writeFileSync(staged, 'staged by a live writer\n');
    process.stdout.write('held\n');
    await nextLine();
    process.stdout.write(fs.existsSync(staged) ? 'intact\n' : 'lost\n');
    fs.rmSync(job, { recursive: true, force: true });
    fs.appendFileSync(path.join(root, '..', 'order'), 'writer\n');
  });
} else if (mode === 'rewrite-index') {
  const store = Engine.open({ root }).store;
  const tags = Number(args[0]);
  const count = args[1] === undefined ? Infinity : Number(args[1]);
  const digest = 'sha256:' + 'a'.repeat(64);
  for (let version = 1; version <= count; version++) {
    const record = { manifestDigest: digest, manifestSize: version, tags: Array.from({ length: tags }, (_, i) => `test/v${version}:t${i}`) };
    await store.write(() => store.updateImages(() => [record]));
    process.stdout.write(`wrote ${version}\n`);
  }
} else if (mode === 'open-fresh') {
  for (let i = 0; i < Number(args[0]); i++) Engine.open({ root: path.join(root, String(i)) });
} else {
  process.stderr.write(`store-writer: unknown mode ${mode}\n`);
  process.exit(2);
}
