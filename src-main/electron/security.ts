// Hardening for the window's session and web contents: a strict CSP, no permissions, no
// navigation away from the app, no new windows, no <webview>. Electron's security checklist
// (https://www.electronjs.org/docs/latest/tutorial/security) item by item.
import { type Session, type WebContents, shell } from 'electron';
import { CONTENT_SECURITY_POLICY } from '@shared/csp';
import { type AppLocation, isAppUrl, webLink } from './policy';

/** Hands http(s) links to the system browser; every other scheme is dropped. */
export function openExternally(url: string): void {
  const target = webLink(url);
  if (!target) return;
  shell.openExternal(target.href).catch((error: unknown) => {
    console.error(`strata: cannot open ${target.href} in the browser:`, error);
  });
}

/** Denies every permission and sets the CSP header on every response of `session`. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
}

/** Rules for every web contents the app ever creates: no new windows, no <webview>. */
export function guardWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Keeps the window on the app: any other navigation is cancelled (web links open outside). */
export function confineNavigation(contents: WebContents, location: AppLocation): void {
  contents.on('will-navigate', (event) => {
    if (isAppUrl(event.url, location)) return;
    event.preventDefault();
    openExternally(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url, location)) event.preventDefault();
  });
}
