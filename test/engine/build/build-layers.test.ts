// The three-layer example, for real: a busybox base, a "runtime" layer made by RUN and
// an app layer made by COPY, built for two apps. The apps share the base and runtime layers
// on disk; a rebuild reuses every step; an edited app source misses from its COPY on; RUN's
// deletions are whiteouts; COPY --chown, ENV, WORKDIR and USER hold when the image runs;
// the image is an ordinary OCI image that exports and imports back unchanged.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildResult } from '../../../src-main/engine/build/execute';
import { Engine } from '../../../src-main/engine/index';
import { BASE, type Fixture, expectNothingLeft, layerDiff, layerTarNames, openFixture } from './build-fixture';

const CONTAINERFILE = `# syntax=docker/dockerfile:1
FROM ${BASE}
# the "runtime": its files, and a file of the base it deletes
RUN mkdir -p /runtime/lib /srv/app && \\
    echo "runtime 1.0" > /runtime/lib/version && \\
    rm /etc/motd
ENV RUNTIME_HOME=/runtime
WORKDIR /srv/app
COPY --chown=1000:1000 app/ ./
USER 1000
CMD ["sh", "-c", "echo $RUNTIME_HOME; pwd; id -u; cat main.txt; test -e /etc/motd && echo motd || echo no motd"]
`;

let fixture: Fixture;
let one: BuildResult;
let two: BuildResult;

function appContext(name: string, text: string): string {
  return fixture.context(name, { Containerfile: CONTAINERFILE, 'app/main.txt': `${text}\n`, 'app/lib/util.txt': 'shared helper\n' });
}

function layerDirs(): string[] {
  return fs.readdirSync(path.join(fixture.engine.root, 'layers')).sort();
}

beforeAll(async () => {
  fixture = await openFixture('build-layers');
  one = await fixture.build(appContext('one', 'app one'), { tags: ['test/app-one:1'] });
  two = await fixture.build(appContext('two', 'app two'), { tags: ['test/app-two:1'] });
});

afterAll(async () => {
  await fixture.cleanup();
});

describe('the three-layer example', () => {
  it('gives each app three layers: base, runtime, app', async () => {
    for (const tag of ['test/app-one:1', 'test/app-two:1']) {
      const image = await fixture.engine.inspectImage(tag);
      expect(image.layers.map((layer) => layer.createdBy)).toEqual([
        'test layer base',
        'RUN /bin/sh -c mkdir -p /runtime/lib /srv/app &&     echo "runtime 1.0" > /runtime/lib/version &&     rm /etc/motd',
        'COPY --chown=1000:1000 app/ ./',
      ]);
    }
    expect(one.tags).toEqual(['test/app-one:1']);
    expect(one.notes).toEqual(['line 1: ignoring the "# syntax=docker/dockerfile:1" directive; strata build uses its own Containerfile parser']);
    expect(one.id).toBe((await fixture.engine.inspectImage('test/app-one:1')).id);
  });

  it('shares the base and runtime layers between the apps: same chain ids, one directory each', async () => {
    const a = (await fixture.engine.inspectImage('test/app-one:1')).layers.map((layer) => layer.chainId);
    const b = (await fixture.engine.inspectImage('test/app-two:1')).layers.map((layer) => layer.chainId);
    expect(b.slice(0, 2)).toEqual(a.slice(0, 2));
    expect(b[2]).not.toBe(a[2]);
    const hex = (id: string) => id.slice('sha256:'.length);
    expect(layerDirs()).toEqual([...new Set([...a, ...b])].map(hex).sort());
    // The second app reused the runtime step instead of running it again.
    expect(two.steps.map((step) => [step.createdBy.split(' ')[0], step.cached])).toEqual([
      ['RUN', true],
      ['ENV', true],
      ['WORKDIR', true],
      ['COPY', false],
      ['USER', false],
      ['CMD', false],
    ]);
    expect(two.steps[0]!.layer).toBe(a[1]);
  });

  it('reuses every step on a rebuild, giving the same image', async () => {
    const before = layerDirs();
    const again = await fixture.build(path.join(fixture.work, 'contexts', 'one'), { tags: ['test/app-one:1'] });
    expect(again.steps.every((step) => step.cached)).toBe(true);
    expect(again.id).toBe(one.id);
    expect(again.manifestDigest).toBe(one.manifestDigest);
    expect(layerDirs()).toEqual(before);
  });

  it('misses from an edited COPY source on, and still reuses what came before', async () => {
    const context = appContext('one-edited', 'app one, edited');
    const edited = await fixture.build(context, { tags: ['test/app-one:2'] });
    expect(edited.steps.map((step) => step.cached)).toEqual([true, true, true, false, false, false]);
    expect(edited.steps[0]!.layer).toBe(one.steps[0]!.layer);
    expect(edited.steps[3]!.layer).not.toBe(one.steps[3]!.layer);
    // A touch (mtime only) is no change.
    fs.utimesSync(path.join(context, 'app', 'main.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const touched = await fixture.build(context, { tags: ['test/app-one:2'] });
    expect(touched.steps.every((step) => step.cached)).toBe(true);
    expect(touched.id).toBe(edited.id);
  });

  it('records every instruction in the history, config-only ones as empty layers', async () => {
    const history = (await fixture.engine.inspectImage('test/app-one:1')).history;
    expect(history.map((entry) => [entry.created_by, entry.empty_layer ?? false])).toEqual([
      ['test layer base', false],
      ['RUN /bin/sh -c mkdir -p /runtime/lib /srv/app &&     echo "runtime 1.0" > /runtime/lib/version &&     rm /etc/motd', false],
      ['ENV RUNTIME_HOME=/runtime', true],
      ['WORKDIR /srv/app', true], // the RUN made the directory: nothing to add
      ['COPY --chown=1000:1000 app/ ./', false],
      ['USER 1000', true],
      ['CMD ["sh","-c","echo $RUNTIME_HOME; pwd; id -u; cat main.txt; test -e /etc/motd && echo motd || echo no motd"]', true],
    ]);
    const config = (await fixture.engine.inspectImage('test/app-one:1')).config;
    expect(config).toMatchObject({ User: '1000', WorkingDir: '/srv/app', Cmd: ['sh', '-c', expect.stringContaining('RUNTIME_HOME')] });
    expect(config.Env).toContain('RUNTIME_HOME=/runtime');
  });

  it("makes RUN's deletion a whiteout: in the layer tar, and the file is gone in a container", async () => {
    const runtime = (await fixture.engine.inspectImage('test/app-one:1')).layers[1]!;
    const names = layerTarNames(fixture, runtime.digest);
    expect(names).toContain('etc/.wh.motd');
    expect(names).toContain('runtime/lib/version');
    expect(await fixture.run('test/app-one:1', ['sh', '-c', 'ls /etc; cat /runtime/lib/version'])).toBe(
      // motd is gone; hostname, hosts and resolv.conf are the container's own network files.
      'group\nhostname\nhosts\npasswd\nresolv.conf\nruntime 1.0',
    );
  });

  it('runs with the ENV, WORKDIR and USER of the build, and the files COPY --chown made', async () => {
    expect(await fixture.run('test/app-one:1')).toBe('/runtime\n/srv/app\n1000\napp one\nno motd');
    expect(await fixture.run('test/app-two:1', ['sh', '-c', 'ls -ln /srv/app/main.txt /srv/app/lib/util.txt'])).toMatch(/^-rw-r--r-- +1 1000 +1000 .*util\.txt\n-rw-r--r-- +1 1000 +1000 .*main\.txt$/);
    const app = (await fixture.engine.inspectImage('test/app-two:1')).layers[2]!;
    const diff = layerDiff(fixture, app.chainId);
    for (const rel of ['srv/app/main.txt', 'srv/app/lib', 'srv/app/lib/util.txt']) {
      const stat = fs.lstatSync(path.join(diff, rel));
      expect([stat.uid, stat.gid]).toEqual([1000, 1000]);
    }
    // The copied-up /srv/app keeps the owner the runtime layer gave it.
    expect(fs.lstatSync(path.join(diff, 'srv/app')).uid).toBe(0);
  });

  it('left nothing behind: no mounts, build directories, containers or cgroups', async () => {
    // the builds of beforeAll ran RUN steps: the fixture saw their runtime containers come
    expect(fixture.runtimeIds.size).toBeGreaterThan(0);
    await expectNothingLeft(fixture);
  });
});

describe('a built image is an ordinary OCI image', () => {
  it('exports and imports back with the same ID, layers and config', async () => {
    const layout = path.join(fixture.work, 'export-layout');
    await fixture.engine.exportImages(['test/app-one:1'], { format: 'oci', output: layout });
    const other = Engine.open({ root: path.join(fixture.work, 'other-store') });
    const [imported] = await other.importImage({ path: layout });
    expect(imported!.id).toBe(one.id);
    const mine = await fixture.engine.inspectImage('test/app-one:1');
    const theirs = await other.inspectImage(imported!.id);
    expect(theirs.layers.map((layer) => [layer.chainId, layer.digest])).toEqual(mine.layers.map((layer) => [layer.chainId, layer.digest]));
    expect(theirs.config).toEqual(mine.config);
    expect(theirs.history).toEqual(mine.history);
  });

  it('reads as a valid image to skopeo, where installed', async (context) => {
    if (spawnSync('skopeo', ['--version']).status !== 0) {
      console.warn('build-layers: the skopeo check skipped, skopeo is not installed (apt-get install skopeo)');
      context.skip('skopeo is not installed (apt-get install skopeo)');
      return;
    }
    const archive = path.join(fixture.work, 'app-one.oci.tar');
    await fixture.engine.exportImages(['test/app-one:1'], { format: 'oci-archive', output: archive });
    const inspect = JSON.parse(execFileSync('skopeo', ['inspect', `oci-archive:${archive}`], { encoding: 'utf8' })) as { Layers: string[]; Env: string[] };
    expect(inspect.Layers).toEqual((await fixture.engine.inspectImage('test/app-one:1')).layers.map((layer) => layer.digest));
    expect(inspect.Env).toContain('RUNTIME_HOME=/runtime');
    const config = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci-archive:${archive}`], { encoding: 'utf8' })) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).toEqual((await fixture.engine.inspectImage('test/app-one:1')).layers.map((layer) => layer.diffId));
  });
});
