// What each instruction does to the image, checked in the built layers and in containers of
// the result: RUN forms and build-args, WORKDIR, COPY's destination rules, globs, --chown by
// name, --chmod, links in the image, .containerignore, ADD of local archives, multi-stage
// COPY --from and --target, --no-cache.
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testImages, writeOciLayout } from '../../helpers/test-images';
import { BASE, type Fixture, layerDiff, layerTarNames, openFixture } from './build-fixture';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await openFixture('build-steps');
});

afterAll(async () => {
  await fixture.cleanup();
});

async function layersOf(tag: string) {
  return (await fixture.engine.inspectImage(tag)).layers;
}

describe('RUN', () => {
  it('runs shell and exec forms with ARGs and build-args in its environment, recorded in the history', async () => {
    const context = fixture.context('run-forms', {
      Containerfile: `FROM ${BASE}\nARG FLAVOUR=plain\nARG LEVEL\nRUN echo "$FLAVOUR $LEVEL" > /flavour\nRUN ["/bin/sh", "-c", "echo exec form > /exec"]\n`,
    });
    const events: string[] = [];
    const result = await fixture.build(context, { tags: ['test/run-forms:1'], buildArgs: { LEVEL: '3' }, onProgress: (event) => events.push(event.kind) });
    expect(await fixture.run('test/run-forms:1', ['cat', '/flavour', '/exec'])).toBe('plain 3\nexec form');
    expect(result.steps.map((step) => step.createdBy)).toEqual([
      'ARG FLAVOUR=plain',
      'ARG LEVEL',
      'RUN |2 FLAVOUR=plain LEVEL=3 /bin/sh -c echo "$FLAVOUR $LEVEL" > /flavour',
      'RUN |2 FLAVOUR=plain LEVEL=3 /bin/sh -c echo exec form > /exec',
    ]);
    expect(events.filter((kind) => kind === 'step')).toHaveLength(5); // FROM counts
    // Another value for a build-arg is another step; the ARG lines themselves are not.
    const other = await fixture.build(context, { tags: ['test/run-forms:2'], buildArgs: { LEVEL: '4' } });
    expect(other.steps.map((step) => step.cached)).toEqual([true, true, false, false]);
  });

  it("runs under the default seccomp filter, as a container does (test/cli/seccomp.test.ts probes what it refuses)", async () => {
    const context = fixture.context('run-seccomp', { Containerfile: `FROM ${BASE}\nRUN grep Seccomp: /proc/self/status > /seccomp; busybox unshare -m true 2>> /seccomp || echo refused >> /seccomp\n` });
    await fixture.build(context, { tags: ['test/run-seccomp:1'] });
    expect(await fixture.run('test/run-seccomp:1', ['cat', '/seccomp'])).toBe('Seccomp:\t2\nunshare: unshare(0x20000): Operation not permitted\nrefused');
  });

  it('streams its output as it runs', async () => {
    const context = fixture.context('run-output', { Containerfile: `FROM ${BASE}\nRUN echo one; echo two >&2; echo three\n` });
    const lines: [string, string][] = [];
    await fixture.build(context, { onProgress: (event) => event.kind === 'output' && lines.push([event.stream, event.line]) });
    expect(lines.filter(([stream]) => stream === 'stdout').map(([, line]) => line)).toEqual(['one', 'three']);
    expect(lines).toContainEqual(['stderr', 'two']);
  });

  it('has the network: downloads from a server of the host through the bridge; with --network none it cannot', async () => {
    const server = http.createServer((_req, res) => res.end('downloaded\n'));
    // The bridge's address exists once the bridge does: a first build makes it.
    await fixture.build(fixture.context('run-net-first', { Containerfile: `FROM ${BASE}\nRUN true\n` }));
    await new Promise<void>((resolve) => server.listen(0, '10.86.254.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const Containerfile = `FROM ${BASE}\nRUN busybox wget -q -O /fetched http://10.86.254.1:${port}/file && cat /etc/hosts > /hosts-seen\n`;
      const result = await fixture.build(fixture.context('run-net', { Containerfile }), { tags: ['test/run-net:1'] });
      expect(await fixture.run('test/run-net:1', ['cat', '/fetched'])).toBe('downloaded');
      // /etc/hosts was the generated one, and it stays out of the layer.
      expect(await fixture.run('test/run-net:1', ['cat', '/hosts-seen'])).toMatch(/10\.86\.254\.\d+\t[0-9a-f]{12}/);
      expect(fs.readdirSync(layerDiff(fixture, result.steps[0]!.layer!))).toEqual(['fetched', 'hosts-seen']);
      const offline = await fixture.build(fixture.context('run-offline', { Containerfile }), { network: 'none', noCache: true }).catch((error: unknown) => error);
      expect((offline as Error).message).toMatch(/failed with exit code 1/);
    } finally {
      server.close();
    }
  });

  it('adds no layer when it changes no file', async () => {
    const context = fixture.context('run-nothing', { Containerfile: `FROM ${BASE}\nRUN true\nRUN echo hi\n` });
    const result = await fixture.build(context, { tags: ['test/run-nothing:1'] });
    expect(result.steps.map((step) => step.layer)).toEqual([undefined, undefined]);
    expect(await layersOf('test/run-nothing:1')).toHaveLength(1);
    expect((await fixture.engine.inspectImage('test/run-nothing:1')).history.slice(1).map((entry) => entry.empty_layer)).toEqual([true, true]);
  });
});

describe('WORKDIR', () => {
  it("makes a missing directory (a layer, owned by the USER), and is config-only when it exists", async () => {
    const context = fixture.context('workdir', { Containerfile: `FROM ${BASE}\nUSER 1000:1000\nWORKDIR /data/cache\nWORKDIR /tmp\nRUN pwd > /tmp/where\n` });
    const result = await fixture.build(context, { tags: ['test/workdir:1'] });
    expect(result.steps.map((step) => [step.createdBy, step.layer !== undefined])).toEqual([
      ['USER 1000:1000', false],
      ['WORKDIR /data/cache', true],
      ['WORKDIR /tmp', false],
      ['RUN /bin/sh -c pwd > /tmp/where', true],
    ]);
    const diff = layerDiff(fixture, result.steps[1]!.layer!);
    expect(fs.lstatSync(path.join(diff, 'data/cache')).uid).toBe(1000);
    expect(fs.lstatSync(path.join(diff, 'data')).uid).toBe(1000);
    expect(await fixture.run('test/workdir:1', ['sh', '-c', 'cat /tmp/where; pwd'])).toBe('/tmp\n/tmp');
  });
});

describe('COPY', () => {
  it('follows the destination rules: into a directory, to a file name, the contents of a directory', async () => {
    const context = fixture.context('copy-rules', {
      Containerfile: [
        `FROM ${BASE}`,
        'COPY a.txt /one/', // into a new directory
        'COPY a.txt /two', // a file named two
        'COPY a.txt b.txt /three/', // several sources
        'COPY dir /four', // a directory's contents
        'COPY a.txt /etc', // into an existing directory
        'COPY *.txt /globbed/',
        'COPY [ "dir/sub/c.txt", "/json form/" ]',
        '',
      ].join('\n'),
      'a.txt': 'a\n',
      'b.txt': 'b\n',
      'dir/sub/c.txt': 'c\n',
      'dir/d.txt': ['d\n', 0o600],
    });
    await fixture.build(context, { tags: ['test/copy-rules:1'] });
    const listing = await fixture.run('test/copy-rules:1', ['sh', '-c', 'ls -p /one /two /three /four /four/sub /etc/a.txt /globbed "/json form"']);
    expect(listing).toBe(['/etc/a.txt', '/two', '', '/four:', 'd.txt', 'sub/', '', '/four/sub:', 'c.txt', '', '/globbed:', 'a.txt', 'b.txt', '', '/json form:', 'c.txt', '', '/one:', 'a.txt', '', '/three:', 'a.txt', 'b.txt'].join('\n'));
    expect(await fixture.run('test/copy-rules:1', ['sh', '-c', 'ls -ln /four/d.txt'])).toMatch(/^-rw------- +1 0 +0 /);
  });

  it('--chown by name resolves against the image (a user alone uses its uid as gid), --chmod sets modes', async () => {
    const context = fixture.context('copy-owner', {
      Containerfile: [
        `FROM ${BASE}`,
        "RUN echo 'app:x:1500:1600::/home/app:/bin/sh' >> /etc/passwd && echo 'staff:x:50:' >> /etc/group",
        'COPY --chown=app f.txt /by-name/',
        'COPY --chown=app:staff f.txt /by-names/',
        'COPY --chown=7:8 --chmod=0750 tree/ /by-ids/',
        '',
      ].join('\n'),
      'f.txt': 'f\n',
      'tree/x/y.txt': 'y\n',
    });
    const result = await fixture.build(context, { tags: ['test/copy-owner:1'] });
    const owner = (step: number, rel: string) => {
      const stat = fs.lstatSync(path.join(layerDiff(fixture, result.steps[step]!.layer!), rel));
      return [stat.uid, stat.gid, (stat.mode & 0o7777).toString(8)];
    };
    expect(owner(1, 'by-name/f.txt')).toEqual([1500, 1500, '644']);
    expect(owner(1, 'by-name')).toEqual([1500, 1500, '755']); // a directory COPY made
    expect(owner(2, 'by-names/f.txt')).toEqual([1500, 50, '644']);
    expect(owner(3, 'by-ids/x/y.txt')).toEqual([7, 8, '750']);
    expect(owner(3, 'by-ids/x')).toEqual([7, 8, '750']);
    await expect(fixture.build(fixture.context('copy-owner-bad', { Containerfile: `FROM ${BASE}\nCOPY --chown=nobody f.txt /\n`, 'f.txt': '' }))).rejects.toThrow(
      /^line 2: COPY --chown=nobody: unable to find user nobody/,
    );
  });

  it("writes through the image's symlinks as the container would, never out of the root", async () => {
    const context = fixture.context('copy-links', {
      Containerfile: [
        `FROM ${BASE}`,
        'RUN mkdir -p /usr/local/real && /bin/busybox ln -s /usr/local/real /opt && /bin/busybox ln -s ../../../../.. /usr/escape',
        'COPY a.txt /opt/',
        'COPY a.txt /usr/escape/tmp/landed.txt',
        '',
      ].join('\n'),
      'a.txt': 'a\n',
    });
    await fixture.build(context, { tags: ['test/copy-links:1'] });
    expect(await fixture.run('test/copy-links:1', ['sh', '-c', 'cat /usr/local/real/a.txt /tmp/landed.txt; ls -l /opt | cut -c1'])).toBe('a\na\nl');
    expect(fs.existsSync('/tmp/landed.txt')).toBe(false);
  });

  it('makes the missing target of a link on the way, inside the root (mkdir -p as in the container)', async () => {
    const context = fixture.context('copy-dangling', {
      Containerfile: [`FROM ${BASE}`, 'RUN /bin/busybox ln -s /nonexistent/dir /x && /bin/busybox ln -s /made/here /w', 'COPY f.txt /x/f.txt', 'WORKDIR /w', ''].join('\n'),
      'f.txt': 'f\n',
    });
    await fixture.build(context, { tags: ['test/copy-dangling:1'] });
    expect(await fixture.run('test/copy-dangling:1', ['sh', '-c', 'cat /nonexistent/dir/f.txt; ls -ld /x /w | cut -c1; pwd'])).toBe('f\nl\nl\n/made/here');
    expect(fs.existsSync('/nonexistent')).toBe(false);
  });

  it('honours .containerignore, and a copied directory keeps its symlinks', async () => {
    const context = fixture.context('copy-ignore', {
      Containerfile: `FROM ${BASE}\nCOPY . /src/\n`,
      '.containerignore': '*.log\nsecrets/\n!keep.log\n',
      'main.c': 'int main;\n',
      'debug.log': 'noise\n',
      'keep.log': 'kept\n',
      'secrets/key': 'hidden\n',
    });
    fs.symlinkSync('main.c', path.join(context, 'link.c'));
    await fixture.build(context, { tags: ['test/copy-ignore:1'] });
    expect(await fixture.run('test/copy-ignore:1', ['sh', '-c', 'ls -A /src; readlink /src/link.c'])).toBe(['.containerignore', 'Containerfile', 'keep.log', 'link.c', 'main.c', 'main.c'].join('\n'));
  });
});

describe('ADD', () => {
  it('unpacks local tar archives (plain, gzip, zstd) into the destination and copies other files as they are', async () => {
    const source = path.join(fixture.work, 'archive-source');
    fs.mkdirSync(path.join(source, 'pkg/bin'), { recursive: true });
    fs.writeFileSync(path.join(source, 'pkg/bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
    fs.writeFileSync(path.join(source, 'pkg/README'), 'readme\n');
    const context = fixture.context('add', {
      Containerfile: `FROM ${BASE}\nADD plain.tar /plain/\nADD pkg.tar.gz /gz\nADD pkg.tar.zst /zst/\nADD notes.gz /notes/\n`,
      'notes.gz': 'not really gzip\n',
    });
    execFileSync('tar', ['--owner=5', '--group=6', '-C', source, '-cf', path.join(context, 'plain.tar'), 'pkg']);
    execFileSync('tar', ['-C', source, '-czf', path.join(context, 'pkg.tar.gz'), 'pkg']);
    execFileSync('sh', ['-c', `tar -C ${source} -cf - pkg | zstd -q -c > ${path.join(context, 'pkg.tar.zst')}`]);
    await fixture.build(context, { tags: ['test/add:1'] });
    expect(await fixture.run('test/add:1', ['sh', '-c', '/plain/pkg/bin/tool; /gz/pkg/bin/tool; cat /zst/pkg/README /notes/notes.gz; ls -ln /plain/pkg/README'])).toMatch(
      /^tool\ntool\nreadme\nnot really gzip\n-rw-r--r-- +1 5 +6 /,
    );
  });
});

describe('multi-stage builds', () => {
  const containerfile = [
    `FROM ${BASE} AS builder`,
    'RUN mkdir -p /out && echo "built binary" > /out/app && echo junk > /out/junk',
    'FROM builder AS tested',
    'RUN cat /out/app > /out/test-report',
    `FROM ${BASE}`,
    'COPY --from=builder /out/app /usr/local/bin/app',
    'COPY --from=1 /out/test-report /report',
    'CMD ["cat", "/usr/local/bin/app", "/report"]',
    '',
  ].join('\n');

  it("copies from earlier stages' roots into a final image that has only its own layers", async () => {
    const context = fixture.context('multi', { Containerfile: containerfile });
    const result = await fixture.build(context, { tags: ['test/multi:1'] });
    expect(await fixture.run('test/multi:1')).toBe('built binary\nbuilt binary');
    const layers = await layersOf('test/multi:1');
    expect(layers.map((layer) => layer.createdBy)).toEqual(['test layer base', 'COPY --from=builder /out/app /usr/local/bin/app', 'COPY --from=tested /out/test-report /report']);
    expect(layerTarNames(fixture, layers[1]!.digest)).toEqual(['usr/', 'usr/local/', 'usr/local/bin/', 'usr/local/bin/app']);
    expect(result.steps.map((step) => step.stage)).toEqual([0, 1, 2, 2, 2]);
    const again = await fixture.build(context, { tags: ['test/multi:1'] });
    expect(again.steps.every((step) => step.cached)).toBe(true);
    expect(again.id).toBe(result.id);
  });

  it('--target stops at a stage', async () => {
    const result = await fixture.build(fixture.context('multi-target', { Containerfile: containerfile }), { tags: ['test/multi:builder'], target: 'builder' });
    expect(result.steps).toHaveLength(1);
    expect(await fixture.run('test/multi:builder', ['ls', '/out'])).toBe('app\njunk');
  });
});

describe('history', () => {
  it("pairs the build's own layers with its own instructions when the base image recorded no history", async () => {
    const { layers } = testImages(path.join(fixture.work, 'no-history'));
    const layout = writeOciLayout(path.join(fixture.work, 'no-history', 'layout'), [{ tag: 'test/no-history:1', layers: [layers.base, layers.other], cmd: ['/bin/sh'] }], {
      mutateConfig: (config) => delete config.history,
    });
    await fixture.engine.importImage({ path: layout });
    await fixture.build(fixture.context('no-history', { Containerfile: 'FROM test/no-history:1\nRUN echo x > /x\nENV A=1\n' }), { tags: ['test/no-history:2'] });
    expect((await layersOf('test/no-history:2')).map((layer) => layer.createdBy)).toEqual([undefined, undefined, 'RUN /bin/sh -c echo x > /x']);
  });
});

describe('--no-cache', () => {
  it('runs every step again', async () => {
    const context = fixture.context('no-cache', { Containerfile: `FROM ${BASE}\nRUN cat /proc/sys/kernel/random/uuid > /stamp\nENV A=1\n` });
    const first = await fixture.build(context, { tags: ['test/no-cache:1'] });
    const second = await fixture.build(context, { tags: ['test/no-cache:1'], noCache: true });
    expect(second.steps.map((step) => step.cached)).toEqual([false, false]);
    expect(second.steps[0]!.layer).not.toBe(first.steps[0]!.layer);
    // What --no-cache made is cached for the next build.
    const third = await fixture.build(context, { tags: ['test/no-cache:1'] });
    expect(third.steps[0]).toMatchObject({ cached: true, layer: second.steps[0]!.layer });
  });
});
