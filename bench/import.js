// Benchmark: importing a layered image (≥ 200 MB, ≥ 20 000 files) with `strata import`,
// whole process, against `tar -xzf` of the same layers on the same disk; then importing a
// second image that shares all but its top layer (it should cost only that layer).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spread, spreadText, timeCommand, unpairedRatio } from './timing.js';

const ratioText = (a, b) => spreadText(unpairedRatio(a, b), (value) => value.toFixed(2));

const STRATA = path.resolve('bin/strata.js');

/** Deterministic pseudo-random bytes (xorshift), so every run builds the same dataset. */
function* prng(seed) {
  let x = seed >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield x >>> 0;
  }
}

/** Text-like content (compresses like source code and docs do), sliced per file. */
function corpus() {
  const words = ['layer', 'image', 'strata', 'overlay', 'cgroup', 'namespace', 'manifest', 'digest', 'config', 'container', 'function', 'return', 'const', 'import', 'export', '{', '}', '(', ')', ';', '\n'];
  const rand = prng(7);
  const parts = [];
  let size = 0;
  while (size < 8 << 20) {
    const word = words[rand.next().value % words.length] + (rand.next().value % 5 === 0 ? String(rand.next().value % 1000) : '') + ' ';
    parts.push(word);
    size += word.length;
  }
  return Buffer.from(parts.join(''));
}

function makeLayer(dir, seed, files, megabytes, text) {
  if (fs.existsSync(path.join(dir, '.done'))) return;
  fs.rmSync(dir, { recursive: true, force: true });
  const rand = prng(seed);
  const budget = megabytes * 1e6;
  const perFile = budget / files;
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, `d${seed}-${i % 97}`, `s${i % 7}`);
    if (i < 97 * 7) fs.mkdirSync(sub, { recursive: true });
    // Most files small, a few large: sizes spread around the mean.
    const r = rand.next().value / 2 ** 32;
    const size = Math.max(1, Math.floor(r < 0.9 ? perFile * r * 0.5 : perFile * (1 + r * 8)));
    const start = rand.next().value % (text.length - Math.min(size, text.length - 1));
    fs.writeFileSync(path.join(sub, `f${i}.txt`), text.subarray(start, start + Math.min(size, text.length - start)));
  }
  fs.writeFileSync(path.join(dir, '.done'), '');
}

function tarLayer(dir, out) {
  if (fs.existsSync(out)) return;
  execFileSync('tar', ['--format=pax', '--sort=name', '--exclude=./.done', '-C', dir, '-cf', `${out}.tar`, '.']);
  execFileSync('gzip', ['-n', '-f', `${out}.tar`]);
  fs.renameSync(`${out}.tar.gz`, out);
}

function diffId(gz) {
  return 'sha256:' + createHash('sha256').update(execFileSync('gzip', ['-dc', gz], { maxBuffer: 1 << 30 })).digest('hex');
}

function writeLayout(dir, tag, layers) {
  fs.rmSync(dir, { recursive: true, force: true });
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (file, bytes) => {
    const data = bytes ?? fs.readFileSync(file);
    const digest = sha256Bytes(data);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const config = put(null, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) }, history: layers.map((l) => ({ created_by: `bench ${path.basename(l.file)}` })) })));
  const manifest = put(null, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(l.file) })) })));
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  return dir;
}

function sha256Bytes(data) {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

function countFiles(dir) {
  return Number(execFileSync('sh', ['-c', `find "${dir}" -type f | wc -l`], { encoding: 'utf8' }).trim());
}

export function benchImport({ work, runs }) {
  const data = path.join(work, 'import-data');
  fs.mkdirSync(data, { recursive: true });
  const text = corpus();
  const specs = [
    ['base', 1, 11000, 110],
    ['runtime', 2, 6000, 60],
    ['app', 3, 4000, 40],
    ['app2', 4, 1000, 10],
  ];
  const layers = {};
  for (const [name, seed, files, mb] of specs) {
    const dir = path.join(data, name);
    makeLayer(dir, seed, files, mb, text);
    const file = path.join(data, `${name}.tar.gz`);
    tarLayer(dir, file);
    layers[name] = { file, diffId: diffId(file) };
  }
  const image1 = [layers.base, layers.runtime, layers.app];
  const image2 = [layers.base, layers.runtime, layers.app2];
  const layout1 = writeLayout(path.join(data, 'layout1'), 'bench/one:1', image1);
  const layout2 = writeLayout(path.join(data, 'layout2'), 'bench/two:1', image2);
  const unpackedBytes = Number(execFileSync('du', ['-sb', ...['base', 'runtime', 'app'].map((n) => path.join(data, n))], { encoding: 'utf8' }).trim().split('\n').reduce((sum, line) => sum + Number(line.split('\t')[0]), 0));
  const fileCount = ['base', 'runtime', 'app'].reduce((sum, n) => sum + countFiles(path.join(data, n)) - 1, 0);

  // Every run writes into new directories and nothing is deleted until the end: ext4 makes
  // creating files slow for a while after many were deleted, which would skew whichever
  // side runs right after a cleanup.
  const runDir = path.join(work, `runs-${Date.now()}`);
  const tarTimes = [];
  const tarTopTimes = [];
  const strataTimes = [];
  const strataSecondTimes = [];
  const strataTopOnlyTimes = [];
  try {
    for (let run = 0; run < runs; run++) {
      const dirs = image1.map((_, i) => path.join(runDir, `tar-${run}`, `l${i}`));
      for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
      tarTimes.push(timeCommand('sh', ['-c', image1.map((l, i) => `tar -xzf "${l.file}" -C "${dirs[i]}"`).join(' && ')]));
      const top = path.join(runDir, `tar-${run}`, 'top');
      fs.mkdirSync(top);
      tarTopTimes.push(timeCommand('tar', ['-xzf', layers.app2.file, '-C', top]));

      const root = path.join(runDir, `store-${run}`);
      strataTimes.push(timeCommand(process.execPath, [STRATA, '--root', root, 'import', '-q', layout1]));
      strataSecondTimes.push(timeCommand(process.execPath, [STRATA, '--root', root, 'import', '-q', layout2]));
      const check = spawnSync(process.execPath, [STRATA, '--root', root, 'images', '--json'], { encoding: 'utf8' });
      if (JSON.parse(check.stdout).length !== 2) throw new Error(`bench import produced ${check.stdout}`);
      // The new layer alone, as a one-layer image in an empty store: what "only its new layer" costs.
      strataTopOnlyTimes.push(timeCommand(process.execPath, [STRATA, '--root', path.join(runDir, `top-${run}`), 'import', '-q', '--format', 'rootfs', layers.app2.file]));
    }
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
  return {
    name: 'import',
    dataset: { unpackedBytes, files: fileCount, layers: image1.length },
    samples: { strata: strataTimes, tar: tarTimes, strataSecond: strataSecondTimes, strataNewLayerOnly: strataTopOnlyTimes, tarNewLayer: tarTopTimes },
    rows: [
      { id: 'import.first', what: `import ${(unpackedBytes / 1e6).toFixed(0)} MB, ${fileCount} files, 3 gzip layers`, strata: spreadText(spread(strataTimes)), peer: spreadText(spread(tarTimes)), peerName: 'tar -xzf each layer', ratio: ratioText(strataTimes, tarTimes), target: '≤ 1.2' },
      { id: 'import.shared', what: 'import a 2nd image sharing 2 of its 3 layers', strata: spreadText(spread(strataSecondTimes)), peer: spreadText(spread(strataTopOnlyTimes)), peerName: 'strata import of its new layer alone', ratio: ratioText(strataSecondTimes, strataTopOnlyTimes), target: '≤ 1.1 (costs only the new layer)' },
      { id: 'import.small', what: 'the same new layer', strata: spreadText(spread(strataTopOnlyTimes)), peer: spreadText(spread(tarTopTimes)), peerName: 'tar -xzf', ratio: ratioText(strataTopOnlyTimes, tarTopTimes), target: '≤ 2 (a fixed start-up cost only)' },
    ],
  };
}
