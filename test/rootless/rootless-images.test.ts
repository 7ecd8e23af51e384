// Images as a normal user makes them on the rootless engine (the built CLI as strata-test
// on the `rootless` connection): a pull from a registry on 127.0.0.1 (an image with a
// whiteout and an opaque directory), a build whose RUN steps run as uid 0 of the user's
// namespace and delete a file an earlier step made, a container's diff and commit, a save
// to a docker-archive in the user's home that rootless podman (a peer, as the same user)
// loads and runs, and rmi and prune leaving the store empty. Every layer file is the user's
// or one of its subordinate ids' on the host. Needs root (to become the test user), the
// build, user namespaces and docker-registry; podman for the peer's test.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PushedImage, TestRegistry } from '../helpers/registry';
import { testImages, write } from '../helpers/test-images';
import { type Home, type User, SETPRIV, asUser, cleanUp, cli, findRootlessUser, gone, makeHome } from './rootless-fixture';

const found = findRootlessUser();
const why = typeof found === 'string' ? found : TestRegistry.unavailable();
if (why) console.log(`rootless images: skipped — ${why}`);

let home: Home;
let registry: TestRegistry | undefined;
let pushed: PushedImage;
let reference: string;

const rootless = (...args: string[]) => cli(home, ['--connection', 'rootless', ...args]);
const PODMAN = '/usr/bin/podman';

/** Rootless podman as the same user, in the same home (its store under ~/.local/share/containers). */
function podman(...args: string[]): SpawnSyncReturns<string> {
  return spawnSync(SETPRIV, [...asUser(home.user), PODMAN, ...args], { env: home.env, encoding: 'utf8', timeout: 120_000, cwd: home.home });
}

/** Ends rootless podman's pause process (it keeps the user's namespaces for podman, as ours does for Strata). */
async function stopPodman(): Promise<void> {
  const file = path.join(String(home.env.XDG_RUNTIME_DIR), 'libpod', 'tmp', 'pause.pid');
  if (!fs.existsSync(file)) return;
  const pid = Number(fs.readFileSync(file, 'utf8'));
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return; // gone already
  }
  expect(await gone(pid)).toBe(true);
}

/** The command's output; it must have succeeded (its stderr in the message when not). */
function ok(result: SpawnSyncReturns<string>): string {
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** Owners on the host of the store's layer files that are neither the user nor one of the user's subordinate ids ([] is right). */
function foreignLayerOwners(): number[] {
  const line = fs.readFileSync('/etc/subuid', 'utf8').split('\n').find((entry) => entry.startsWith(`${home.user.name}:`))!;
  const [, start, count] = line.split(':').map(Number);
  const owners = new Set<number>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      owners.add(fs.lstatSync(file).uid);
      if (entry.isDirectory()) walk(file);
    }
  };
  walk(path.join(home.store, 'layers'));
  return [...owners].filter((uid) => uid !== home.user.uid && !(uid >= start! && uid < start! + count!));
}

describe.skipIf(why)('images on the rootless engine, made by a normal user', () => {
  beforeAll(async () => {
    home = makeHome(found as User, 'rootless-images');
    registry = await TestRegistry.start();
    pushed = await registry.pushImage('test/a', '1', testImages(home.work).a);
    reference = `${registry.address}/test/a:1`;
  });

  afterAll(async () => {
    await registry?.stop();
    if (home) await stopPodman();
    expect(await cleanUp(home)).toEqual([]);
  });

  it('pulls from a registry: the layers in the user store, its files the user’s on the host', () => {
    expect(ok(rootless('pull', reference))).toContain(`Pulled ${reference}`);
    const images = JSON.parse(ok(rootless('images', '--json'))) as { id: string; tags: string[] }[];
    expect(images).toEqual([expect.objectContaining({ id: pushed.configDigest, tags: [reference] })]);
    // uid 0 of the image is the user, its other ids the user's subordinate ones: nothing is root's
    expect(foreignLayerOwners()).toEqual([]);
    // the whiteout and the opaque directory of the image's top layer took effect in its tree
    const listed = ok(rootless('run', '--rm', '--network', 'none', reference, 'sh', '-c', 'ls /usr/share/doc'));
    expect(listed).toBe('new.txt\n');
  });

  it('builds with RUN steps as uid 0 of the namespace, a later step deleting what an earlier one made', () => {
    const context = path.join(home.work, 'context');
    write(context, 'Containerfile', [`FROM ${reference}`, 'RUN echo "built as $(id -u)" > /built && mkdir /d && echo x > /d/f', 'RUN rm /d/f', 'COPY note.txt /note.txt', ''].join('\n'));
    write(context, 'note.txt', 'copied in\n');
    const built = ok(rootless('build', '--network', 'none', '-t', 'built:1', context));
    expect(built).toMatch(/Successfully tagged built:1|built:1/);
    const inside = ok(rootless('run', '--rm', '--network', 'none', 'built:1', 'sh', '-c', 'cat /built /note.txt; ls -A /d; echo end'));
    expect(inside).toBe('built as 0\ncopied in\nend\n');
    const history = ok(rootless('history', 'built:1'));
    expect(history).toContain('rm /d/f');
  });

  it("diffs and commits a container's changes: an added file and a deletion", () => {
    ok(rootless('run', '-d', '--name', 'changer', '--network', 'none', 'built:1', 'sh', '-c', 'echo changed > /changed; rm /built; echo ready; sleep 1000'));
    for (let i = 0; i < 100 && !ok(rootless('logs', 'changer')).includes('ready'); i++) execFileSync('sleep', ['0.1']);
    const diff = ok(rootless('diff', 'changer')).split('\n');
    expect(diff).toContain('A /changed');
    expect(diff).toContain('D /built');
    ok(rootless('commit', 'changer', 'committed:1'));
    ok(rootless('rm', '-f', 'changer'));
    const inside = ok(rootless('run', '--rm', '--network', 'none', 'committed:1', 'sh', '-c', 'cat /changed; test -e /built || echo no built'));
    expect(inside).toBe('changed\nno built\n');
    expect(foreignLayerOwners()).toEqual([]);
  });

  it('saves to a docker-archive in the user’s home, owned by the user', () => {
    const archive = path.join(home.home, 'committed.tar');
    ok(rootless('save', '-o', archive, 'committed:1'));
    expect(fs.statSync(archive).uid).toBe(home.user.uid);
    const entries = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).split('\n');
    expect(entries).toContain('manifest.json');
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', archive, 'manifest.json'], { encoding: 'utf8' })) as { RepoTags: string[]; Layers: string[] }[];
    expect(manifest).toMatchObject([{ RepoTags: ['committed:1'] }]);
    expect(manifest[0]!.Layers.length).toBe(pushed.layers.length + 3 + 1); // the pulled image's, the build's two RUNs and its COPY, the commit's
  });

  it('runs under rootless podman, the same user, after podman load of what strata saved', (context) => {
    if (!fs.existsSync(PODMAN)) {
      console.log(`rootless images: podman's test skipped — ${PODMAN} is not installed`);
      context.skip();
    }
    const loaded = podman('load', '-i', path.join(home.home, 'committed.tar'));
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain('Loaded image: localhost/committed:1');
    // runc and cgroupfs: crun refuses this host's hybrid cgroups, and a rootless user has no systemd cgroup here
    const ran = podman('run', '--rm', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--network', 'none', 'localhost/committed:1', 'sh', '-c', 'cat /changed /built-not-there 2>&1; cat /note.txt; id -u');
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('changed\ncat: can\'t open \'/built-not-there\': No such file or directory\ncopied in\n0\n');
    expect(podman('rmi', 'localhost/committed:1').status).toBe(0);
  });

  it('removes the images and prunes the store to nothing', () => {
    ok(rootless('rmi', 'committed:1', 'built:1', reference));
    ok(rootless('prune'));
    expect(JSON.parse(ok(rootless('images', '--json')))).toEqual([]);
    expect(fs.readdirSync(path.join(home.store, 'layers'))).toEqual([]);
  });
});
