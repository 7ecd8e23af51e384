// Whether Chromium's process sandbox is on, decided before anything else runs (pure, no
// electron import, so the decision is unit-testable). Electron reads the sandbox switches
// from the real command line before any JavaScript runs:
// - as root, Chromium aborts at start unless `--no-sandbox` is on the command line, so
//   `app.commandLine.appendSwitch('no-sandbox')` from JavaScript is always too late;
// - `app.enableSandbox()` turns the sandbox on for every process and drops `--no-sandbox`,
//   so calling it as root kills the sandbox-less utility processes (the network service).
// So: a normal user always gets `enableSandbox()`; root runs only when the launcher put
// `--no-sandbox` on the command line (`npm run start:root`), and then never enableSandbox().

export type SandboxPlan =
  /** A normal user: call app.enableSandbox() before ready. */
  | { kind: 'sandbox'; message: string }
  /** Root with --no-sandbox on the command line: leave the sandbox off, do not call enableSandbox(). */
  | { kind: 'no-sandbox'; message: string }
  /** Root without --no-sandbox: say how to start, exit 1. */
  | { kind: 'refuse'; message: string };

/** The command-line switch Chromium needs to run as root. */
export const NO_SANDBOX = '--no-sandbox';

/**
 * The plan for a process of `uid` whose command line is `argv` (process.argv). `hasSwitch`
 * is Electron's own view (app.commandLine.hasSwitch('no-sandbox')), which also sees a
 * switch given as `--no-sandbox=…`.
 */
export function sandboxPlan(uid: number | undefined, argv: readonly string[], hasSwitch = false): SandboxPlan {
  const noSandbox = hasSwitch || argv.includes(NO_SANDBOX);
  if (uid !== 0) {
    return {
      kind: 'sandbox',
      message: noSandbox
        ? "strata: running as a normal user: Chromium's sandbox stays on (--no-sandbox is ignored)"
        : 'strata: running as a normal user: the window runs sandboxed; containers need a root engine until the system engine or rootless mode is connected',
    };
  }
  if (noSandbox) {
    return {
      kind: 'no-sandbox',
      message: "strata: running as root with --no-sandbox: Chromium's process sandbox is off; the renderer keeps context isolation and no Node. Prefer running the window as your user.",
    };
  }
  return {
    kind: 'refuse',
    message: "strata: refusing to start as root without --no-sandbox: Chromium cannot sandbox a root process. Run the window as your user, or use `sudo npm run start:root` (which passes --no-sandbox and runs the already-built app).",
  };
}
