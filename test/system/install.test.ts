// `strata system install` / `uninstall` into a temporary system tree (STRATA_SYSTEM_PREFIX:
// its etc/group, etc/passwd …; the real groupadd, usermod and groupdel with --prefix): the
// socket and service units (ExecStart: this node and this checkout's bin/strata.js), the
// group with $SUDO_USER in it, the new-login and security notes, every step idempotent, and
// the reverse. Where systemd runs, systemctl is asked (recorded here: this machine has no
// systemd); where it does not, the report says to run the service in the foreground.
// --purge also removes the containers and the store. Needs root (the CLI refuses others).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSystemService, uninstallSystemService, unitFiles } from '../../src-main/server/system-install';
import { Engine } from '../../src-main/engine/index';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import { requireBuild } from '../engine/store/store-fixture';
import { CLI, type TestUser, cliAs, findTestUser } from './system-fixture';

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.log('install: skipped — installing needs root (groupadd, usermod)');

let work: string;

/** A system tree with two users and no group strata. */
function systemTree(name: string): string {
  const prefix = path.join(work, name);
  fs.mkdirSync(path.join(prefix, 'etc'), { recursive: true });
  const write = (file: string, text: string) => fs.writeFileSync(path.join(prefix, 'etc', file), text);
  write('passwd', 'root:x:0:0:root:/root:/bin/sh\nalice:x:1500:1500::/home/alice:/bin/sh\n');
  write('group', 'root:x:0:\nalice:x:1500:\n');
  write('shadow', 'root:*:1:0:99999:7:::\nalice:!:1:0:99999:7:::\n');
  write('gshadow', 'root:*::\nalice:!::\n');
  return prefix;
}

function strata(prefix: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, STRATA_SYSTEM_PREFIX: prefix, SUDO_USER: 'alice' }, encoding: 'utf8' });
}

const groupLine = (prefix: string) => fs.readFileSync(path.join(prefix, 'etc/group'), 'utf8').split('\n').find((line) => line.startsWith('strata:'));

beforeAll(() => {
  work = makeTempDir('system-install');
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe.skipIf(!asRoot)('strata system install / uninstall', () => {
  beforeAll(() => requireBuild());

  it('installs the units, the group and the user, says what to do next, and does it only once', () => {
    const prefix = systemTree('plain');
    const first = strata(prefix, 'system', 'install');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('group strata: created');
    expect(first.stdout).toContain('user alice: added to group strata — log out and in again (or run `newgrp strata`)');
    expect(first.stdout).toContain('systemd is not running here, so nothing was started: run `sudo strata system service` in the foreground');
    expect(first.stdout).toContain('Members of group strata can run containers as root on this machine');
    expect(groupLine(prefix)).toMatch(/^strata:x:\d+:alice$/);
    const unitDir = path.join(prefix, 'etc/systemd/system');
    const socketUnit = fs.readFileSync(path.join(unitDir, 'strata.socket'), 'utf8');
    expect(socketUnit).toMatch(/^ListenStream=\/run\/strata\/strata\.sock$/m);
    expect(socketUnit).toMatch(/^SocketGroup=strata$/m);
    expect(socketUnit).toMatch(/^SocketMode=0660$/m);
    const serviceUnit = fs.readFileSync(path.join(unitDir, 'strata.service'), 'utf8');
    expect(serviceUnit).toContain(`ExecStart=${process.execPath} ${CLI} system service\n`);
    expect(serviceUnit).toMatch(/^KillMode=process$/m);

    const again = strata(prefix, 'system', 'install');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('group strata: already there');
    expect(again.stdout).toContain('user alice: already in group strata');
    expect(again.stdout).toMatch(/strata\.socket: up to date/);
    expect(groupLine(prefix)).toMatch(/^strata:x:\d+:alice$/);

    const removed = strata(prefix, 'system', 'uninstall');
    expect(removed.status).toBe(0);
    expect(removed.stdout).toMatch(/strata\.socket: removed/);
    expect(removed.stdout).toContain('group strata: kept (--purge removes it)');
    expect(removed.stdout).toContain('containers and the store stay');
    expect(fs.readdirSync(unitDir)).toEqual([]);
    expect(groupLine(prefix)).toMatch(/^strata:x:\d+:alice$/);
    expect(strata(prefix, 'system', 'uninstall').stdout).toContain('was not installed: nothing to do');
  });

  it('asks systemctl where systemd runs: reload, enable --now the socket; uninstall disables and stops both', () => {
    const prefix = systemTree('systemd');
    fs.mkdirSync(path.join(prefix, 'run/systemd/system'), { recursive: true });
    fs.appendFileSync(path.join(prefix, 'etc/group'), 'strata:x:990:alice\n'); // already there: no groupadd, no usermod
    const commands: string[] = [];
    const context = { prefix, node: '/usr/bin/node', cli: '/opt/strata/bin/strata.js', sudoUser: 'alice', exec: (file: string, args: string[]) => void commands.push([file, ...args].join(' ')) };
    const report = installSystemService(context);
    expect(commands).toEqual(['systemctl daemon-reload', 'systemctl enable --now strata.socket']);
    expect(report).toContain('strata.socket: enabled and listening on /run/strata/strata.sock; the first connection starts strata.service');
    commands.length = 0;
    uninstallSystemService(context);
    expect(commands).toEqual(['systemctl disable --now strata.socket strata.service', 'systemctl daemon-reload']);
    commands.length = 0;
    uninstallSystemService(context, { purge: true });
    expect(commands).toEqual(['systemctl daemon-reload', `groupdel --prefix ${prefix} strata`]);
    expect(unitFiles({ node: '/opt/my node/node', cli: '/x/strata.js' })['strata.service']).toContain('ExecStart="/opt/my node/node" /x/strata.js system service');
  });

  it('--purge removes the containers and the store', async () => {
    const prefix = systemTree('purge');
    fs.appendFileSync(path.join(prefix, 'etc/group'), 'strata:x:990:alice\n');
    fs.appendFileSync(path.join(prefix, 'etc/gshadow'), 'strata:!::alice\n');
    const root = path.join(work, 'store');
    const engine = Engine.open({ root });
    await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [testImages(work).a]) });
    const container = await engine.createContainer('test/a:1', { command: ['true'] });
    const purged = strata(prefix, '--root', root, 'system', 'uninstall', '--purge');
    expect(purged.stderr).toBe('');
    expect(purged.stdout).toContain(`container ${container.name}: removed`);
    expect(purged.stdout).toContain(`store ${root}: removed`);
    expect(fs.existsSync(root)).toBe(false);
    expect(purged.stdout).toContain('group strata: removed');
    expect(groupLine(prefix)).toBeUndefined();
  });

  it('refuses a user who is not root', () => {
    const user = findTestUser();
    if (typeof user === 'string') return console.log(`install: the non-root refusal is not checked — ${user}`);
    const result = cliAs(user as TestUser, false, {}, 'system', 'install');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('strata system install needs root: sudo strata system install [PERMISSION_DENIED]');
  });
});
