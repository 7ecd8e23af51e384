// How the network's steps reach the host: links, addresses, routes and namespaces through
// rtnetlink in the addon (native/lib/netlink.ts: no process started), the firewall through
// `iptables` / `iptables-restore`, each run as one process. A failure becomes a
// StrataError that names the step: a name or address already taken is CONFLICT, a
// missing tool UNSUPPORTED naming its package, the rest INTERNAL with the tool's words or
// the errno.
import { execFile } from 'node:child_process';
import { StrataError } from '@shared/errors';

const PACKAGES: Record<string, string> = { iptables: 'iptables', 'iptables-restore': 'iptables' };

export interface CommandOptions {
  /** Lines fed to the tool's stdin (`iptables-restore`). */
  input?: string;
}

export function hostCommand(what: string, file: string, args: readonly string[], options: CommandOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        const tool = file.split('/').pop()!;
        return reject(
          new StrataError('UNSUPPORTED', `network: ${what}: the ${tool} command is missing (Debian package ${PACKAGES[tool] ?? tool}); install it, or use --network none`),
        );
      }
      const detail = (stderr || error.message).trim().split('\n').slice(-3).join('; ');
      reject(new StrataError('INTERNAL', `network: ${what}: ${detail}`, { cause: error }));
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** An addon call (native/lib/netlink.ts) whose NativeSystemError becomes a StrataError naming `what`. */
export async function netlinkStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    // The message names the step and the link or file: "EEXIST: file exists, rtnetlink add veth 'sv…'".
    throw new StrataError(code === 'EEXIST' || code === 'EADDRINUSE' ? 'CONFLICT' : 'INTERNAL', `network: ${what}: ${message}`, { cause: error });
  }
}
