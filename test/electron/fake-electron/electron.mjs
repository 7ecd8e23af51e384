// A fake `electron` module, for running the *built* main bundle (out/main/index.js) and
// preload (out/preload/preload.cjs) under plain Node, where no Electron binary exists.
// It keeps Electron's rules that a launch depends on — what only works after `ready`
// (windows, menus, the tray, sessions, protocol handlers), what only works before it
// (privileged schemes, enableSandbox), one ipcMain handler per channel — and throws where
// Electron would fail, so a wrong start-up order fails here as it would in the app.
// Every call is recorded in `fake.calls` (with whether `ready` had happened) for the tests.
import { EventEmitter } from 'node:events';
import path from 'node:path';

/** What the tests read and steer. */
export const fake = {
  ready: false,
  /** 'name detail' strings, in call order; a call after ready is prefixed 'ready:'. */
  calls: [],
  /** ipcMain.handle handlers, by channel. */
  handlers: new Map(),
  windows: [],
  trays: [],
  protocolHandlers: new Map(),
  privilegedSchemes: [],
  /** The menu template given to Menu.setApplicationMenu. */
  appMenu: undefined,
  /** What dialog.showMessageBox answers (the button index). */
  dialogResponse: 0,
  /** When false, closing the last window does not emit window-all-closed (as when the user chose Stay at the quit notice). */
  emitWindowAllClosed: true,
  exited: false,
  /** contextBridge.exposeInMainWorld values, by key (the preload's side). */
  exposed: {},
  /** What ipcRenderer.invoke does (the preload's side): (channel, ...args) → Promise. */
  rendererInvoke: () => Promise.resolve({ result: null }),
  /** What ipcRenderer.send sent (the preload's side): [channel, ...args]. */
  rendererSent: [],
};

function record(name, detail) {
  fake.calls.push(`${fake.ready ? 'ready:' : ''}${name}${detail === undefined ? '' : ` ${detail}`}`);
}

function needReady(what) {
  if (!fake.ready) throw new Error(`fake electron: ${what} cannot be used before the app is ready`);
}

let markReady;
const readyPromise = new Promise((resolve) => (markReady = resolve));

/** Ends start-up as Electron does: `ready` is emitted, then whenReady() resolves. */
export function emitReady() {
  if (fake.ready) return;
  fake.ready = true;
  record('ready');
  app.emit('ready');
  markReady();
}

const appendedSwitches = new Set();
let sandboxEnabled = false;
let quitting = false;

class App extends EventEmitter {
  isPackaged = false;
  commandLine = {
    appendSwitch(name, value) {
      record('commandLine.appendSwitch', name);
      appendedSwitches.add(name);
      void value;
    },
    hasSwitch(name) {
      // app.enableSandbox() drops --no-sandbox, as Electron's does.
      if (name === 'no-sandbox' && sandboxEnabled) return false;
      return appendedSwitches.has(name) || process.argv.some((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
    },
    getSwitchValue() {
      return '';
    },
  };
  enableSandbox() {
    if (fake.ready) throw new Error('fake electron: app.enableSandbox() can only be called before app is ready');
    sandboxEnabled = true;
    record('app.enableSandbox');
  }
  requestSingleInstanceLock() {
    record('app.requestSingleInstanceLock');
    return true;
  }
  whenReady() {
    return readyPromise;
  }
  isReady() {
    return fake.ready;
  }
  getVersion() {
    return '0.0.0-fake';
  }
  getName() {
    return 'strata';
  }
  getAppPath() {
    return process.env.FAKE_ELECTRON_APP_PATH ?? process.cwd();
  }
  getPath(name) {
    return path.join(process.env.FAKE_ELECTRON_USER_DATA ?? '/nonexistent', name);
  }
  /** As Electron: before-quit (may be prevented), the windows close, will-quit (may be prevented), quit. */
  quit() {
    record('app.quit');
    const before = preventable();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return record('before-quit prevented');
    quitting = true;
    for (const window of [...fake.windows]) window.destroy();
    const will = preventable();
    this.emit('will-quit', will);
    if (will.defaultPrevented) return record('will-quit prevented');
    this.emit('quit', preventable(), 0);
    fake.exited = true;
    record('app.exited');
  }
  exit(code) {
    record('app.exit', code);
    fake.exited = true;
    process.exit(code);
  }
}

function preventable() {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

export const app = new App();

let nextId = 1;

export class WebContents extends EventEmitter {
  id = nextId++;
  destroyed = false;
  url = '';
  /** What was sent to the renderer: [channel, ...args]. */
  sent = [];
  mainFrame = { url: '', parent: null };
  send(channel, ...args) {
    if (this.destroyed) throw new Error('fake electron: send on destroyed web contents');
    this.sent.push([channel, ...args]);
  }
  isDestroyed() {
    return this.destroyed;
  }
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
  reload() {
    record('webContents.reload');
  }
}

export class BrowserWindow extends EventEmitter {
  destroyed = false;
  constructor(options) {
    super();
    needReady('new BrowserWindow()');
    record('new BrowserWindow', options?.webPreferences?.sandbox === true ? 'sandboxed' : 'NOT sandboxed');
    this.options = options;
    this.webContents = new WebContents();
    fake.windows.push(this);
    app.emit('web-contents-created', preventable(), this.webContents);
  }
  loadURL(url) {
    record('loadURL', url);
    this.webContents.url = url;
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }
  loadFile(file) {
    record('loadFile', file);
    return this.loadURL(`file://${file}`);
  }
  show() {
    record('window.show');
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  close() {
    this.destroy();
  }
  /** As Electron: the web contents go (destroyed), then the window (closed). */
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.webContents.emit('destroyed');
    this.emit('closed');
    fake.windows.splice(fake.windows.indexOf(this), 1);
    record('window.closed');
    if (fake.windows.length === 0 && !quitting && fake.emitWindowAllClosed) app.emit('window-all-closed');
  }
}

export const ipcMain = Object.assign(new EventEmitter(), {
  handle(channel, handler) {
    if (fake.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    fake.handlers.set(channel, handler);
  },
  removeHandler(channel) {
    fake.handlers.delete(channel);
  },
});

/** What the renderer's ipcRenderer.invoke would get: the handler's value, or Electron's rejection. */
export async function invokeHandler(channel, event, ...args) {
  const handler = fake.handlers.get(channel);
  if (!handler) return { rejected: `No handler registered for '${channel}'` };
  try {
    return { value: await handler(event, ...args) };
  } catch (error) {
    return { rejected: `Error invoking remote method '${channel}': ${error}` };
  }
}

export const Menu = {
  buildFromTemplate(template) {
    needReady('Menu.buildFromTemplate()');
    return { template };
  },
  setApplicationMenu(menu) {
    needReady('Menu.setApplicationMenu()');
    record('Menu.setApplicationMenu');
    fake.appMenu = menu?.template;
  },
};

export class Tray extends EventEmitter {
  constructor() {
    super();
    needReady('new Tray()');
    record('new Tray');
    fake.trays.push(this);
  }
  setToolTip(text) {
    record('tray.setToolTip', text);
  }
  setContextMenu(menu) {
    record('tray.setContextMenu', menu.template[0]?.label);
  }
  destroy() {
    record('tray.destroy');
  }
}

export const nativeImage = {
  createFromPath(file) {
    const image = { file, resize: () => image, isEmpty: () => false };
    return image;
  },
};

export const nativeTheme = { shouldUseDarkColors: false };

export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    if (fake.ready) throw new Error('fake electron: protocol.registerSchemesAsPrivileged() must be called before the app is ready');
    record('protocol.registerSchemesAsPrivileged', schemes.map((s) => s.scheme).join(','));
    fake.privilegedSchemes.push(...schemes);
  },
  handle(scheme, handler) {
    needReady('protocol.handle()');
    if (fake.protocolHandlers.has(scheme)) throw new Error(`fake electron: protocol ${scheme} is already handled`);
    record('protocol.handle', scheme);
    fake.protocolHandlers.set(scheme, handler);
  },
  isProtocolHandled(scheme) {
    return fake.protocolHandlers.has(scheme);
  },
};

const defaultSession = {
  protocol,
  setPermissionRequestHandler() {},
  setPermissionCheckHandler() {},
  setDevicePermissionHandler() {},
  webRequest: {
    onHeadersReceived(listener) {
      defaultSession.headersListener = listener;
    },
  },
};

export const session = {
  get defaultSession() {
    needReady('session.defaultSession');
    return defaultSession;
  },
};

export const dialog = {
  showMessageBox(...args) {
    needReady('dialog.showMessageBox()');
    const options = args.length > 1 ? args[1] : args[0];
    record('dialog.showMessageBox', options.message);
    return Promise.resolve({ response: fake.dialogResponse, checkboxChecked: false });
  },
  showErrorBox(title, content) {
    record('dialog.showErrorBox', `${title}: ${content}`);
  },
  showOpenDialog() {
    record('dialog.showOpenDialog');
    return Promise.resolve({ canceled: true, filePaths: [] });
  },
};

export const shell = {
  openPath(file) {
    record('shell.openPath', file);
    return Promise.resolve('');
  },
  openExternal(url) {
    record('shell.openExternal', url);
    return Promise.resolve();
  },
};

// The preload's side: what a sandboxed preload's require('electron') offers.
export const contextBridge = {
  exposeInMainWorld(key, api) {
    record('contextBridge.exposeInMainWorld', key);
    fake.exposed[key] = api;
  },
};

export const ipcRenderer = Object.assign(new EventEmitter(), {
  invoke(channel, ...args) {
    record('ipcRenderer.invoke', channel);
    return fake.rendererInvoke(channel, ...args);
  },
  send(channel, ...args) {
    record('ipcRenderer.send', channel);
    fake.rendererSent.push([channel, ...args]);
  },
});

export default { app, BrowserWindow, ipcMain, Menu, Tray, nativeImage, nativeTheme, protocol, session, dialog, shell, contextBridge, ipcRenderer };
