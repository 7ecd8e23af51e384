// The `strata` command as a user runs it: the built bin/strata.js in a child process
// (`npm test` builds first), against a store of its own.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageWaste } from '@shared/api/types/images';
import { formatBytes } from '@shared/units';
import { BUSYBOX, type TestImage, du, makeTempDir, testImages, writeDockerArchive, writeOciLayout } from '../helpers/test-images';

let work: string;
let root: string;
let a: TestImage;
let b: TestImage;
const bin = path.resolve('bin/strata.js');

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, STRATA_ROOT: root } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function ok(...args: string[]): string {
  const result = strata(...args);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

beforeAll(() => {
  if (!fs.existsSync(path.resolve('out/main/cli.js'))) throw new Error('the CLI is not built: run `npm run build` (npm test does)');
  work = makeTempDir('cli');
  root = path.join(work, 'store');
  ({ a, b } = testImages(work));
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('strata CLI', () => {
  it('imports a docker-archive and lists the images', () => {
    expect(ok('import', writeDockerArchive(work, [a, b]))).toMatch(/Loaded image [0-9a-f]{12} \(test\/a:1\): 3 layers, 0 already in the store\nLoaded image [0-9a-f]{12} \(test\/b:1\): 3 layers, 2 already/);
    const table = ok('images');
    expect(table.split('\n')[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+LAYERS$/);
    expect(table).toMatch(/test\/a\s+1\s+[0-9a-f]{12}/);
    expect(ok('images', '--format', 'json')).toBe(ok('images', '--json'));
    const json = JSON.parse(ok('images', '--json')) as { tags: string[]; layers: unknown[] }[];
    expect(json.map((image) => [image.tags, image.layers.length])).toEqual([
      [['test/a:1'], 3],
      [['test/b:1'], 3],
    ]);
  });

  it('honours --root over STRATA_ROOT', () => {
    const other = path.join(work, 'other-store');
    const result = strata('--root', other, 'images', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    expect(fs.existsSync(path.join(other, 'oci-layout'))).toBe(true);
  });

  it('shows history, inspect and the layer trees', () => {
    expect(ok('history', 'test/a:1')).toMatch(/test layer change[\s\S]*test layer app[\s\S]*test layer base/);
    const [info] = JSON.parse(ok('inspect', 'test/a:1')) as { config: { Cmd: string[] }; layers: unknown[] }[];
    expect(info!.config.Cmd).toEqual(['/bin/sh']);
    const layer = ok('layers', '--layer', '2', 'test/a:1', '/etc');
    expect(layer).toMatch(/^D -rw-r--r--\s+26 B\s+motd$/m); // binary units, as the window writes them
    expect(layer).toMatch(/^M -rw-r--r--\s+\d+ B\s+passwd$/m);
    const merged = ok('layers', 'test/a:1', 'app');
    expect(merged).toMatch(/data-symlink -> data\.txt {2}\[1\]/);
    expect(merged).not.toMatch(/big\.bin/);
    const tree = JSON.parse(ok('layers', '--json', '--depth', '1', 'test/a:1')) as { children: { name: string; children: unknown[] }[] };
    expect(tree.children.map((child) => child.name)).toEqual(['app', 'bin', 'etc', 'root', 'tmp', 'usr']);
    expect(tree.children.every((child) => child.children.length === 0)).toBe(true);
  });

  it('shows the wasted space and the efficiency score (layers --wasted)', () => {
    // Image A by hand (test-images.ts): layer 2 deletes /app/big.bin (1 MiB, layer 1) and
    // /etc/motd (26 B), rewrites /etc/passwd (30 B in layer 0) and makes /usr/share/doc
    // opaque over readme (18 B) and old/notes.txt (10 B).
    const wasted = 1_048_576 + 30 + 26 + 18 + 10;
    // Content bytes: layer 0 busybox + 30 + 10 + 26 + 18 + 10; layer 1 17 + 23 + 1 MiB + 10
    // (the hard link shares data.txt's bytes, symlinks hold none); layer 2 63 + 18.
    const total = fs.statSync(BUSYBOX).size + 94 + 1_048_626 + 81;
    const waste = JSON.parse(ok('layers', '--wasted', '--json', 'test/a:1')) as ImageWaste;
    expect(waste).toMatchObject({ totalBytes: total, wastedBytes: wasted, efficiency: (total - wasted) / total });
    expect(waste.layers.map((layer) => layer.wastedBytes)).toEqual([30 + 26 + 18 + 10, 1_048_576, 0]);
    expect(waste.paths.map((entry) => [entry.path, entry.bytes, entry.versions.map((v) => `${v.layer}>${v.hiddenBy} ${v.how}`).join()])).toEqual([
      ['app/big.bin', 1_048_576, '1>2 deleted'],
      ['etc/passwd', 30, '0>2 overwritten'],
      ['etc/motd', 26, '0>2 deleted'],
      ['usr/share/doc/readme', 18, '0>2 opaque'],
      ['usr/share/doc/old/notes.txt', 10, '0>2 opaque'],
    ]);
    const text = ok('layers', '--wasted', 'test/a:1');
    const score = (Math.floor(((total - wasted) / total) * 10000) / 100).toFixed(2);
    expect(text).toContain(`Efficiency: ${score}%\nWasted:     1 MiB of `);
    expect(text).toMatch(/^PATH +WASTED +VERSIONS +WRITTEN IN +HIDDEN BY$/m);
    expect(text).toMatch(/^\/app\/big\.bin +1 MiB +1 +1 +2 \(deleted\)$/m);
    expect(text).toMatch(/^\/usr\/share\/doc\/readme +18 B +1 +0 +2 \(opaque\)$/m);
    expect(ok('layers', '--wasted', 'test/b:1')).toMatch(/^Efficiency: 100\.00%\n[\s\S]*No layer hides what a lower layer stored\.\n$/);
    const usage = strata('layers', '--wasted', '--layer', '1', 'test/a:1');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--wasted takes neither --layer nor --depth/);
    expect(strata('layers', '--wasted', 'nope:1').stderr).toMatch(/\[NOT_FOUND\]/);
  });

  it('shows what every layer did to one path (layers --history)', () => {
    const passwd = ok('layers', '--history', 'test/a:1', '/etc/passwd');
    expect(passwd).toMatch(/^\/etc\/passwd\nLAYER\s+CHANGE\s+MODE\s+OWNER\s+SIZE\s+DETAIL\n0\s+added\s+-rw-r--r--\s+0:0\s+30 B\n2\s+modified\s+-rw-r--r--\s+0:0\s+63 B\n$/);
    expect(ok('layers', '--history', 'test/a:1', 'app/run.sh')).toMatch(/^1\s+added\s+-rwsr-xr-x\s+1000:1000\s+/m);
    expect(ok('layers', '--history', 'test/a:1', '/usr/share/doc/readme')).toMatch(/^2\s+deleted\s+hidden by opaque directory \/usr\/share\/doc$/m);
    expect(ok('layers', '--history', 'test/a:1', '/etc/motd')).toMatch(/^2\s+deleted\s+whiteout$/m);
    const json = JSON.parse(ok('layers', '--history', '--json', 'test/a:1', 'app/big.bin')) as { path: string; changes: { layer: number; change: string }[] };
    expect(json).toMatchObject({ path: 'app/big.bin', changes: [{ layer: 1, change: 'added' }, { layer: 2, change: 'deleted' }] });
    expect(strata('layers', '--history', 'test/a:1', '/opt/b.txt').stderr).toBe("strata layers: no layer of test/a:1 has /opt/b.txt [NOT_FOUND]\n");
    const usage = strata('layers', '--history', 'test/a:1');
    expect(usage.code).toBe(2);
    expect(strata('layers', '--history', '--layer', '1', 'test/a:1', 'etc').stderr).toMatch(/--history takes neither --layer/);
  });

  it("names an OCI layout's tag-only refs with --name (default: the directory's name)", () => {
    const layout = writeOciLayout(path.join(work, 'names', 'layout'), [{ ...a, tag: '7.0' }], { compression: 'none' });
    expect(ok('import', '--name', 'team/app', layout)).toMatch(/^Loaded image [0-9a-f]{12} \(team\/app:7\.0\): 3 layers, 3 already in the store\n$/);
    ok('rmi', 'team/app:7.0');
    expect(ok('import', layout)).toMatch(/\(layout:7\.0\)/);
    ok('rmi', 'layout:7.0');
    expect(strata('import', '--name', 'team/app:1', layout).stderr).toMatch(/a repository has no tag .*\[INVALID_ARGUMENT\]/);
    expect(strata('import', '--name', 'team/app', a.layers[0]!.tar).stderr).toMatch(/is not an OCI layout.* \[INVALID_ARGUMENT\]/);
  });

  it('reports disk usage that du confirms', () => {
    const usage = JSON.parse(ok('df', '--json')) as { layerBytes: number; savedBytes: number };
    const dirs = fs.readdirSync(path.join(root, 'layers')).map((hex) => path.join(root, 'layers', hex, 'diff'));
    expect(usage.layerBytes).toBe(du(dirs));
    expect(usage.savedBytes).toBeGreaterThan(1_000_000);
    expect(ok('df', '-v')).toMatch(/Saved by sharing[\s\S]*SHARED SIZE[\s\S]*UNIQUE SIZE/);
    expect(ok('df')).toMatch(/\nStaging \(tmp, pulls\) +0 B\n/); // nothing staged between commands
    const all = JSON.parse(ok('df', '--json')) as { layerBytes: number; blobBytes: number; stagingBytes: number };
    const total = formatBytes(all.layerBytes + all.blobBytes + all.stagingBytes); // the window's On disk figure
    expect(ok('df')).toMatch(new RegExp(`\\nOn disk in all +${total.replace('.', '\\.')}\\n`));
  });

  it('tags, removes and prunes', () => {
    ok('tag', 'test/b:1', 'mine/b:2');
    expect(ok('rmi', 'mine/b:2')).toBe('Untagged: mine/b:2\nThe image keeps test/b:1\n');
    expect(ok('rmi', 'test/b:1')).toMatch(/Untagged: test\/b:1\nDeleted: sha256:[0-9a-f]{64}\nFreed [\d.]+ (?:B|KiB|MiB) \(1 layer, 3 blobs\)/);
    expect(ok('prune', '--dry-run')).toMatch(/Would remove 0 layers and 0 blobs/);
  });

  it('fails clearly: usage errors exit 2, engine errors exit 1 with a stable code', () => {
    const unknownOption = strata('images', '--bogus');
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toMatch(/Unknown option '--bogus'[\s\S]*usage: strata images/);
    const unknownCommand = strata('frobnicate');
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command "frobnicate"/);
    const missing = strata('inspect', 'nope:1');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('strata inspect: no such image: nope:1 [NOT_FOUND]\n');
    const badReserve = spawnSync(process.execPath, [bin, 'images'], { encoding: 'utf8', env: { ...process.env, STRATA_ROOT: root, STRATA_MIN_FREE: 'lots' } });
    expect(badReserve.status).toBe(1);
    expect(badReserve.stderr).toMatch(/^strata images: STRATA_MIN_FREE "lots": expected a size .* \[INVALID_ARGUMENT\]\n$/);
    const missingJson = strata('rmi', '--json', 'nope:1');
    expect(JSON.parse(missingJson.stderr)).toEqual({ error: { code: 'NOT_FOUND', message: 'no such image: nope:1' } });
    const badFormat = strata('import', '--format', 'zip', 'x');
    expect(badFormat.stderr).toMatch(/unknown format "zip"/);
    expect(strata('tag', 'test/a:1').code).toBe(2);
  });

  it('prints help', () => {
    const help = ok('--help');
    for (const command of ['import', 'images', 'inspect', 'history', 'layers', 'df', 'tag', 'rmi', 'prune']) expect(help).toContain(`  ${command}`);
    expect(ok('run', '--help')).toMatch(/^usage: strata run [\s\S]*\n\nCreate a container from an image and start it/);
  });

  /** What a command imported of the build (out/main's files), traced by a resolve hook. */
  const loaded = (...args: string[]) => {
    const result = spawnSync(process.execPath, ['--import', path.resolve('test/cli/fixtures/module-trace.mjs'), bin, ...args], { encoding: 'utf8', env: { ...process.env, STRATA_ROOT: root } });
    const files = [...result.stderr.matchAll(/^module: file:\/\/.*\/out\/main\/(.+)$/gm)].map((match) => match[1]!);
    return { stdout: result.stdout, code: result.status, files };
  };

  /** The source modules a command loaded: those bundled into the files it imported (their source maps say which). */
  const loadedSources = (...args: string[]): string[] => {
    const { files, code } = loaded(...args);
    expect(code, args.join(' ')).toBe(0);
    return files.flatMap((file) => {
      const built = path.resolve('out/main', file);
      // An entry whose code all went to a shared chunk is only its exports (no source, no map).
      if (!fs.existsSync(`${built}.map`)) {
        expect(fs.readFileSync(built, 'utf8'), file).toMatch(/^((import|export) [^;]*;\s*)+$/);
        return [];
      }
      const map = JSON.parse(fs.readFileSync(`${built}.map`, 'utf8')) as { sources: string[] };
      return map.sources.map((source) => path.relative(process.cwd(), path.resolve('out/main', path.dirname(file), source)));
    });
  };

  it('--version, --help and a usage error load no engine code; a command loads only its own', () => {
    const { version } = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    const printed = loaded('--version');
    expect(printed.stdout).toBe(`strata version ${version}\n`);
    for (const args of [['--version'], ['--help'], ['ps', '--help'], ['images', '--bogus']]) {
      const { files } = loaded(...args);
      expect(files, args.join(' ')).toContain('cli.js');
      expect(files, args.join(' ')).not.toContain('engine.js');
      expect(files, args.join(' ')).not.toContain('api.js');
      // the shared chunk of the engine, the API table and the addon (electron.vite.config.ts)
      expect(files.filter((file) => file.startsWith('chunks/core-')), args.join(' ')).toEqual([]);
    }
    // the local engine, for a command that needs it
    expect(loaded('images').files).toEqual(expect.arrayContaining(['cli.js', 'engine.js', 'api.js']));
  });

  it('ps and images load the record readers, not the code that creates, starts, networks or reaches a socket', () => {
    const notForReading = [
      'src-main/engine/network/container-network.ts',
      'src-main/engine/network/bridge.ts',
      'src-main/engine/containers/rootfs.ts',
      'src-main/engine/containers/options.ts',
      'src-main/engine/runtime/seccomp-profile.ts',
      'src-main/engine/logs/log-reader.ts',
      'src-main/api/system-info.ts',
      'src-main/connections/socket-transport.ts',
      'src-main/connections/rootless-start.ts',
    ];
    for (const [args, reader] of [
      [['ps', '-a'], 'src-main/engine/containers/list-containers.ts'],
      [['images'], 'src-main/engine/images/image-store.ts'],
    ] as const) {
      const sources = loadedSources(...args);
      expect(sources, args.join(' ')).toContain(reader);
      for (const module of notForReading) expect(sources, args.join(' ')).not.toContain(module);
    }
  });
});
