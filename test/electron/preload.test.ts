// The built preload (out/preload/preload.cjs) as a sandboxed preload runs: in a context of
// its own (node:vm), with a `require` that offers only what Electron gives a sandboxed
// preload (electron's contextBridge and ipcRenderer — fakes here — events, timers, url) and
// a reduced `process`. What it exposes crosses a simulated contextBridge: values and
// arguments are copied with structuredClone, functions are proxied. It must expose exactly
// the narrow window.strata API, and pass calls to the IPC channels the main process serves.
import events from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import timers from 'node:timers';
import url, { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '@shared/api/protocol';
import { PRELOAD_API_KEY } from '@shared/preload-api';
import { contextBridge, fake, ipcRenderer } from './fake-electron/electron.mjs';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const PRELOAD = path.join(REPO, 'out', 'preload', 'preload.cjs');
/** What Electron lets a sandboxed preload require (docs: "Process Sandboxing"). */
const SANDBOX_MODULES: Record<string, unknown> = { electron: { contextBridge, ipcRenderer }, events, timers, url };

type Fn = (...args: unknown[]) => unknown;

/** A value as the main world sees it through contextBridge: copied, functions proxied both ways. */
function bridged(value: unknown): unknown {
  if (typeof value === 'function') {
    return (...args: unknown[]) => {
      const result = (value as Fn)(...args.map(toIsolated));
      return result instanceof Promise || (result && typeof (result as Promise<unknown>).then === 'function') ? Promise.resolve(result).then(bridged) : bridged(result);
    };
  }
  if (Array.isArray(value)) return value.map(bridged);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, bridged(inner)]));
  return structuredClone(value);
}

/** An argument from the main world into the preload's world: a function (a listener) is proxied, the rest copied. */
function toIsolated(value: unknown): unknown {
  return typeof value === 'function' ? (...args: unknown[]) => (value as Fn)(...args.map((arg) => structuredClone(arg))) : structuredClone(value);
}

const required: string[] = [];
let exposedRaw: Record<string, unknown>;
let api: Record<string, unknown>;
const invoked: unknown[][] = [];

beforeAll(() => {
  if (!fs.existsSync(PRELOAD)) throw new Error(`${PRELOAD} is missing: run \`npm run build\` first (this test runs the built preload)`);
  fake.rendererInvoke = (channel, ...args) => {
    invoked.push([channel, ...args]);
    return Promise.resolve({ result: { echoed: args } });
  };
  const sandboxRequire = (name: string): unknown => {
    required.push(name);
    if (!(name in SANDBOX_MODULES)) throw new Error(`module not found: ${name} (a sandboxed preload may require only ${Object.keys(SANDBOX_MODULES).join(', ')})`);
    return SANDBOX_MODULES[name];
  };
  const reducedProcess = { platform: 'linux', type: 'renderer', sandboxed: true, contextIsolated: true, versions: { electron: '41.7.1' }, env: {}, argv: [] };
  const context = vm.createContext({ console, setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate, queueMicrotask, process: reducedProcess, Buffer });
  const module = { exports: {} };
  const wrapper = vm.runInContext(`(function (exports, require, module, __filename, __dirname) {\n${fs.readFileSync(PRELOAD, 'utf8')}\n})`, context, { filename: PRELOAD }) as Fn;
  wrapper(module.exports, sandboxRequire, module, PRELOAD, path.dirname(PRELOAD));
  exposedRaw = fake.exposed[PRELOAD_API_KEY] as Record<string, unknown>;
  api = bridged(exposedRaw) as Record<string, unknown>;
});

describe('the built preload, sandboxed', () => {
  it('requires only electron (all else is bundled in) and exposes one key, once', () => {
    expect(required.filter((name) => name !== 'electron')).toEqual([]);
    expect(fake.calls.filter((call) => call.startsWith('contextBridge.exposeInMainWorld'))).toEqual([`contextBridge.exposeInMainWorld ${PRELOAD_API_KEY}`]);
  });

  it('exposes exactly { version, platform, invoke, subscribe, pickPath }, frozen, and nothing of ipcRenderer', () => {
    expect(Object.keys(exposedRaw).sort()).toEqual(['invoke', 'pickPath', 'platform', 'subscribe', 'version']);
    expect(Object.isFrozen(exposedRaw)).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(api.version).toBe(pkg.version);
    expect(api.platform).toBe('linux');
    for (const key of ['invoke', 'pickPath', 'subscribe']) expect(typeof api[key]).toBe('function');
    expect(Object.values(exposedRaw)).not.toContain(ipcRenderer);
  });

  it('invoke goes to strata:invoke with cloned arguments; an IPC failure becomes an error reply', async () => {
    invoked.length = 0;
    const reply = await (api.invoke as Fn)('system.info', { a: [1, 2] });
    expect(invoked).toEqual([[IPC_CHANNELS.invoke, 'system.info', { a: [1, 2] }]]);
    expect(reply).toEqual({ result: { echoed: ['system.info', { a: [1, 2] }] } });
    const saved = fake.rendererInvoke;
    fake.rendererInvoke = () => Promise.reject(new Error("No handler registered for 'strata:invoke'"));
    try {
      // (This Error comes from another realm than the preload's, so it arrives as its String().)
      expect(await (api.invoke as Fn)('system.info', {})).toEqual({ error: { code: 'INTERNAL', message: expect.stringContaining("No handler registered for 'strata:invoke'") } });
    } finally {
      fake.rendererInvoke = saved;
    }
  });

  it('subscribe asks once per event, delivers payloads from strata:event, and unsubscribes on the last stop', async () => {
    invoked.length = 0;
    const seen: unknown[] = [];
    const stop = (api.subscribe as Fn)('containers.changed', (payload: unknown) => seen.push(payload)) as () => void;
    const stop2 = (api.subscribe as Fn)('containers.changed', () => {}) as () => void;
    ipcRenderer.emit(IPC_CHANNELS.event, {}, 'containers.changed', { id: 'c1' });
    ipcRenderer.emit(IPC_CHANNELS.event, {}, 'stats.sample', { id: 'other' });
    expect(seen).toEqual([{ id: 'c1' }]);
    stop();
    stop2();
    await new Promise((resolve) => setImmediate(resolve));
    expect(invoked).toEqual([
      [IPC_CHANNELS.subscribe, 'containers.changed'],
      [IPC_CHANNELS.unsubscribe, 'containers.changed'],
    ]);
  });

  it('tells the main process the sequence number of the last event it took, a few times a second at most', async () => {
    fake.rendererSent.length = 0;
    for (let seq = 41; seq <= 45; seq++) ipcRenderer.emit(IPC_CHANNELS.event, {}, 'terminal.output', { session: 's', data: '' }, seq);
    expect(fake.rendererSent).toEqual([]); // not one message per event
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.rendererSent).toEqual([[IPC_CHANNELS.eventsTaken, 45]]);
    ipcRenderer.emit(IPC_CHANNELS.event, {}, 'terminal.output', { session: 's', data: '' }, 46);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.rendererSent).toEqual([
      [IPC_CHANNELS.eventsTaken, 45],
      [IPC_CHANNELS.eventsTaken, 46],
    ]);
  });

  it('pickPath passes only kind and title', async () => {
    invoked.length = 0;
    await (api.pickPath as Fn)({ kind: 'directory', title: 'Choose', defaultPath: '/etc' });
    expect(invoked).toEqual([[IPC_CHANNELS.pickPath, { kind: 'directory', title: 'Choose' }]]);
  });
});
