// Runs the built main bundle (out/main/index.js) under plain Node with the fake electron,
// through one scenario, and prints what happened as one line: `FAKE_ELECTRON_RESULT {json}`.
//   node --import ./register.mjs run-main.mjs <scenario>
// Env: FAKE_UID (a uid for process.getuid, to play a normal user), FAKE_ARGV (JSON: switches
// on the command line), STRATA_ROOT (the engine's store: a temporary one), FAKE_ELECTRON_APP_PATH.
// Each scenario is a separate process because the bundle starts the app when imported.
import fs from 'node:fs';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { app, emitReady, fake, invokeHandler, ipcMain } from './electron.mjs';

const scenario = process.argv[2];
const MAIN = pathToFileURL(`${process.env.FAKE_ELECTRON_APP_PATH}/out/main/index.js`).href;
const result = {};

process.on('exit', (code) => {
  fs.writeSync(1, `\nFAKE_ELECTRON_RESULT ${JSON.stringify({ code, calls: fake.calls, result })}\n`);
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** The channels the main process listens on for the renderer's messages (ipcMain.on, no answer). */
const listened = () => ipcMain.eventNames().map(String).filter((name) => name.startsWith('strata:'));

/** Waits for `condition`, failing the scenario after 30 s (only a broken app waits that long). */
async function until(condition, what) {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 30_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A call as the window's renderer makes it: from its web contents, main frame, at `url`. */
function fromWindow(window, url = window.webContents.mainFrame.url, parent = null) {
  return { sender: window.webContents, senderFrame: { url, parent } };
}

/** Imports the bundle (which starts the app), then lets Electron become ready. */
async function boot() {
  if (process.env.FAKE_UID !== undefined) process.getuid = () => Number(process.env.FAKE_UID);
  process.argv.push(...JSON.parse(process.env.FAKE_ARGV ?? '[]'));
  await import(MAIN);
  await tick();
  emitReady();
  await until(() => fake.windows.length > 0, 'the window');
  return fake.windows[0];
}

/** Quits as the user would and waits until the app has exited. */
async function quit() {
  app.quit();
  await until(() => fake.exited, 'the app to exit');
}

const scenarios = {
  async start() {
    const window = await boot();
    result.privilegedSchemes = fake.privilegedSchemes;
    result.channels = [...fake.handlers.keys()];
    result.webPreferences = window.options.webPreferences;
    result.appUrlResponse = await answer('app://strata/index.html');
    result.escapeResponse = await answer('app://strata/..%2f..%2fpackage.json');
    await quit();
  },

  async ipc() {
    const window = await boot();
    const other = { sender: { id: -1 }, senderFrame: { url: window.webContents.mainFrame.url, parent: null } };
    result.channels = [...fake.handlers.keys()];
    result.listened = listened();
    result.foreign = {};
    for (const channel of fake.handlers.keys()) {
      const args = channel.endsWith('pick-path') ? [{ kind: 'file', title: 'x' }] : ['system.info', {}];
      result.foreign[channel] = {
        otherContents: await invokeHandler(channel, other, ...args),
        subframe: await invokeHandler(channel, fromWindow(window, undefined, { url: 'app://strata/index.html' }), ...args),
        fileUrl: await invokeHandler(channel, fromWindow(window, 'file:///etc/passwd'), ...args),
        otherPage: await invokeHandler(channel, fromWindow(window, 'app://strata/other.html'), ...args),
      };
    }
    result.own = await invokeHandler('strata:invoke', fromWindow(window), 'system.info', {});
    await quit();
  },

  async reopen() {
    fake.emitWindowAllClosed = false; // as when the user chose Stay at the quit notice: the app lives on with its tray
    const first = await boot();
    first.close();
    result.afterClose = [...fake.handlers.keys(), ...listened()];
    app.emit('second-instance'); // e.g. the tray's "Open Strata"
    await until(() => fake.windows.length > 0, 'the second window');
    const second = fake.windows[0];
    result.afterReopen = [...fake.handlers.keys()];
    result.afterReopenListened = listened();
    result.newWindow = await invokeHandler('strata:invoke', fromWindow(second), 'system.info', {});
    result.oldWindow = await invokeHandler('strata:invoke', fromWindow(first, 'app://strata/index.html'), 'system.info', {});
    await quit();
  },

  async quit() {
    // A registry that accepts the pull's connection and never answers: the job stays running
    // until the quit cancels it (which aborts its request). Without that, nothing would
    // close the connection before the process dies.
    const events = [];
    const server = net.createServer((socket) => {
      events.push('registry: connected');
      socket.resume(); // read (and drop) the request, so the client's close is seen
      socket.on('close', () => events.push('registry: closed'));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const window = await boot();
    const reference = `127.0.0.1:${server.address().port}/quit-test/hang:1`;
    result.pull = await invokeHandler('strata:invoke', fromWindow(window), 'images.pull', { reference, insecure: true });
    await until(() => events.length > 0, 'the pull to connect');
    app.quit();
    await until(() => fake.exited, 'the app to exit');
    await until(() => events.length > 1, 'the pull connection to close');
    result.events = events;
    server.close();
  },

  async failures() {
    const window = await boot();
    const contents = window.webContents;
    contents.emit('did-fail-load', {}, -3, 'ERR_ABORTED', 'app://strata/index.html', true);
    result.afterAbort = fake.calls.filter((c) => c.includes('dialog.')).length;
    contents.emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', 'app://strata/index.html', true);
    await tick();
    contents.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 139 });
    await tick();
    // A main-process timer whose promise rejects must be logged, not end the app.
    setTimeout(() => void Promise.reject(new Error('a timer failed')), 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    result.survivedRejection = true;
    // The store folder of the Help menu.
    const help = fake.appMenu.find((item) => item.label === 'Help');
    help.submenu.find((item) => item.label === 'Store and logs folder').click();
    // The store's path comes through the API (its first system.info loads that handler): wait for the call, not a turn.
    await until(() => fake.calls.some((c) => c.includes('shell.openPath')), 'the store folder to open');
    await quit();
  },

  /** The window's "Install the system engine": connection.installSystem, then what the window is on. */
  async install() {
    const window = await boot();
    const ask = (method, input = {}) => invokeHandler('strata:invoke', fromWindow(window), method, input);
    result.before = await ask('connection.info');
    result.installed = await ask('connection.installSystem');
    result.after = await ask('connection.info');
    await quit();
  },

  /** What the window talks to (run as a real normal user, with the system engine present or not); FAKE_SWITCH_TO switches. */
  async connection() {
    const window = await boot();
    const ask = (method, input = {}) => invokeHandler('strata:invoke', fromWindow(window), method, input);
    result.info = await ask('connection.info');
    result.system = await ask('system.info');
    result.containers = await ask('containers.list', { all: true });
    if (process.env.FAKE_SWITCH_TO) {
      result.switched = await ask('connection.use', { name: process.env.FAKE_SWITCH_TO });
      result.reloads = fake.calls.filter((call) => call.endsWith('webContents.reload')).length;
      result.afterSwitch = await invokeHandler('strata:invoke', fromWindow(fake.windows[0]), 'system.info', {});
    }
    await quit();
  },

  async tray() {
    // The tray's timer, caught to tick it by hand (no waiting on the clock).
    const intervals = [];
    const realSetInterval = globalThis.setInterval;
    globalThis.setInterval = (callback, ms, ...args) => {
      intervals.push({ callback, ms });
      return realSetInterval(callback, ms, ...args);
    };
    await boot();
    globalThis.setInterval = realSetInterval;
    const trayTimer = intervals.find(({ ms }) => ms === 3000);
    result.trayTimer = Boolean(trayTimer);
    // Each tick's refresh is asynchronous (the count comes through the API): wait for the first one, then two more.
    await until(() => fake.calls.some((c) => c.includes('tray.setContextMenu')), 'the first tray menu');
    await trayTimer.callback();
    await trayTimer.callback();
    result.menus = fake.calls.filter((c) => c.includes('tray.setContextMenu'));
    await quit();
  },
};

/** What the app:// handler answers for `url`: status and CSP header. */
async function answer(url) {
  const handler = fake.protocolHandlers.get('app');
  if (!handler) return undefined;
  const response = await handler(new Request(url));
  return { status: response.status, csp: response.headers.get('content-security-policy'), type: response.headers.get('content-type') };
}

try {
  await scenarios[scenario]();
  process.exit(0);
} catch (error) {
  result.error = String(error?.stack ?? error);
  process.exit(3);
}
