// The packaging and launch scripts, checked without building a package: one
// electron-builder config, an app binary that does not clash with the `strata` CLI, the
// icon and the CLI inside, the fuses under their real option names, the CLI wrapper run
// against a stand-in app binary, and `start:root` that runs the built app and never builds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/test-images';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
// js-yaml comes with electron-builder (no types of its own here).
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string>; build?: unknown };

interface BuilderConfig {
  files: string[];
  asarUnpack: string[];
  extraFiles: { from: string; to: string }[];
  electronFuses: Record<string, boolean>;
  linux: { executableName: string; icon: string };
  deb: { fpm: string[] };
}
const config = yaml.load(fs.readFileSync(path.join(REPO, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const work = makeTempDir('packaging');
fs.chmodSync(work, 0o755);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('electron-builder config', () => {
  it('is one config: electron-builder.yml, used by `npm run dist`, none in package.json or build/', () => {
    expect(pkg.build).toBeUndefined();
    for (const other of ['build/electron-builder.yml', 'electron-builder.yaml', 'electron-builder.json', 'electron-builder.json5', 'electron-builder.toml', 'electron-builder.config.js']) {
      expect(fs.existsSync(path.join(REPO, other)), other).toBe(false);
    }
    expect(pkg.scripts.dist).toContain('--config electron-builder.yml');
  });

  it('names the app binary apart from the CLI, and packs the icon, the CLI entry and the native files', () => {
    expect(config.linux.executableName).toBe('strata-desktop');
    expect(Object.keys(pkg.bin)).not.toContain(config.linux.executableName);
    expect(config.files).toContain(config.linux.icon);
    expect(fs.readFileSync(path.join(REPO, 'src-main/electron/tray.ts'), 'utf8')).toContain("'build', 'icon.png'");
    expect(config.files).toContain('bin/strata.js');
    for (const file of config.files.filter((entry) => !entry.startsWith('!') && !entry.includes('*'))) {
      expect(fs.existsSync(path.join(REPO, file)), `${file} (run npm run build)`).toBe(true);
    }
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['native/build/Release/strata-runtime', 'native/build/Release/strata_native.node']));
  });

  it("sets the fuses under electron-builder 26's option names", () => {
    const types = fs.readFileSync(path.join(REPO, 'node_modules/app-builder-lib/out/configuration.d.ts'), 'utf8');
    const body = types.slice(types.indexOf('export interface FuseOptionsV1'));
    const known = [...body.slice(0, body.indexOf('\n}')).matchAll(/^\s+(\w+)\?: boolean;/gm)].map((match) => match[1]);
    expect(known).toContain('grantFileProtocolExtraPrivileges');
    for (const key of Object.keys(config.electronFuses)) expect(known, key).toContain(key);
    expect(config.electronFuses).toEqual({
      runAsNode: true, // the packaged CLI is the app binary with ELECTRON_RUN_AS_NODE=1
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

describe('the packaged CLI wrapper', () => {
  const wrapper = path.join(REPO, 'build', 'linux', 'strata');

  it('ships in every package beside the app, and as /usr/bin/strata in the deb', () => {
    expect(config.extraFiles).toContainEqual({ from: 'build/linux/strata', to: 'strata' });
    expect(config.deb.fpm).toContain('build/linux/strata=/usr/bin/strata');
    expect(fs.statSync(wrapper).mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(wrapper, 'utf8')).toContain(config.linux.executableName);
  });

  it('runs bin/strata.js inside resources/app.asar with the app binary as Node (ELECTRON_RUN_AS_NODE=1)', () => {
    // A stand-in app folder: "strata-desktop" is Node when ELECTRON_RUN_AS_NODE=1 (as Electron is),
    // and resources/app.asar is this checkout.
    const app = path.join(work, 'app');
    fs.mkdirSync(path.join(app, 'resources'), { recursive: true });
    fs.symlinkSync(REPO, path.join(app, 'resources', 'app.asar'));
    fs.writeFileSync(path.join(app, 'strata-desktop'), `#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || { echo "not as node" >&2; exit 9; }\nexec ${process.execPath} "$@"\n`, { mode: 0o755 });
    fs.copyFileSync(wrapper, path.join(app, 'strata'));
    fs.chmodSync(path.join(app, 'strata'), 0o755);
    const beside = spawnSync(path.join(app, 'strata'), ['--help'], { encoding: 'utf8' });
    expect(beside.stderr).toBe('');
    expect(beside.status).toBe(0);
    expect(beside.stdout).toMatch(/strata/i);
    // As /usr/bin/strata: not beside the app, so it finds the app folder (STRATA_APP_DIR here, /opt/Strata by default).
    const usrBin = path.join(work, 'usr-bin');
    fs.mkdirSync(usrBin);
    fs.copyFileSync(wrapper, path.join(usrBin, 'strata'));
    fs.chmodSync(path.join(usrBin, 'strata'), 0o755);
    const installed = spawnSync(path.join(usrBin, 'strata'), ['--help'], { encoding: 'utf8', env: { ...process.env, STRATA_APP_DIR: app } });
    expect(installed.status).toBe(0);
    const missing = spawnSync(path.join(usrBin, 'strata'), ['--help'], { encoding: 'utf8', env: { ...process.env, STRATA_APP_DIR: path.join(work, 'nowhere') } });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('STRATA_APP_DIR');
  });
});

describe('npm run start:root', () => {
  const checkout = path.join(work, 'checkout');
  const script = path.join(checkout, 'scripts', 'start-root.js');
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.copyFileSync(path.join(REPO, 'scripts', 'start-root.js'), script);
  fs.writeFileSync(path.join(checkout, 'package.json'), '{ "type": "module" }\n');
  const start = (uid?: number) => spawnSync(process.execPath, [script], { encoding: 'utf8', cwd: checkout, ...(uid === undefined ? {} : { uid, gid: uid }) });

  it('is the launcher script, which never builds', () => {
    expect(pkg.scripts['start:root']).toBe('node scripts/start-root.js');
    expect(fs.readFileSync(path.join(REPO, 'scripts', 'start-root.js'), 'utf8')).not.toMatch(/electron-vite|npm run build['"]\s*[,)]/);
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a normal user, and an unbuilt checkout, with a message', () => {
    const user = start(65534);
    expect(user.status).toBe(2);
    expect(user.stderr).toContain('npm start');
    const unbuilt = start();
    expect(unbuilt.status).toBe(2);
    expect(unbuilt.stderr).toMatch(/not built .*npm run build.* as your user/);
  });

  it.skipIf(process.getuid?.() !== 0)('runs the Electron binary with --no-sandbox on the real command line, on the built app, touching nothing in out/', () => {
    for (const file of ['out/main/index.js', 'out/preload/preload.cjs', 'out/renderer/index.html']) {
      fs.mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
      fs.writeFileSync(path.join(checkout, file), '');
    }
    const before = fs.statSync(path.join(checkout, 'out/main/index.js')).mtimeMs;
    // A stand-in `electron` package: its main export is the binary's path, as the real one's is.
    const argsFile = path.join(work, 'electron-args');
    const binary = path.join(checkout, 'node_modules', 'electron', 'fake-electron.sh');
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    fs.writeFileSync(binary, `#!/bin/sh\nprintf '%s\\n' "$@" > ${argsFile}\nexit 7\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(path.dirname(binary), 'index.js'), `module.exports = ${JSON.stringify(binary)};\n`);
    const run = start();
    expect(run.stderr).toContain('never builds');
    expect(run.status).toBe(7); // the binary's own exit status, passed on
    expect(fs.readFileSync(argsFile, 'utf8').trim().split('\n')).toEqual(['--no-sandbox', checkout.endsWith('/') ? checkout : `${checkout}/`]);
    expect(fs.statSync(path.join(checkout, 'out/main/index.js')).mtimeMs).toBe(before);
  });
});
