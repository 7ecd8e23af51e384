// The host tools the network is made with: iproute2's `ip`, util-linux's `unshare` and
// `nsenter`, and `iptables`. Each runs as one process; a failure becomes a StrataError
// that names the step and quotes the tool.
import { execFile } from 'node:child_process';
import { StrataError } from '@shared/errors';

const PACKAGES: Record<string, string> = { ip: 'iproute2', unshare: 'util-linux', nsenter: 'util-linux', iptables: 'iptables' };

export interface CommandOptions {
  /** Lines fed to the tool's stdin (`ip -batch -`, `iptables-restore`). */
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

/** `ip -batch -` with one command a line, in the host's network namespace or in `netns`. */
export function ipBatch(what: string, commands: readonly string[], netns?: string): Promise<string> {
  const input = `${commands.join('\n')}\n`;
  if (netns === undefined) return hostCommand(what, 'ip', ['-batch', '-'], { input });
  return hostCommand(what, 'nsenter', [`--net=${netns}`, '--', 'ip', '-batch', '-'], { input });
}
