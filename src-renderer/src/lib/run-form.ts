// The run dialog's fields → ContainerOptions, with a message per field that is wrong.
// Pure: checked before anything is sent; the engine checks again and has the last word.
import { normalizeCapability } from '@shared/capabilities';
import { splitCommand } from '@shared/shell-words';
import { MAX_SECCOMP_PROFILE_BYTES, MIN_MEMORY } from '@shared/limits';
import type { ContainerOptions, NetworkMode, PortSpec, RestartPolicy, VolumeSpec } from '@shared/api/types/containers';
import { publishesPorts } from './network-modes';
import { parsePortLine } from './ports';
import { formatBytes, parseSize } from './units';

export interface RunForm {
  image: string;
  name: string;
  command: string;
  /** KEY=VALUE, one a line. */
  env: string;
  /** /host:/container[:ro], one a line. */
  mounts: string;
  memory: string;
  cpus: string;
  pids: string;
  restart: RestartPolicy['name'];
  maxRetries: string;
  network: NetworkMode;
  /** [IP:][HOST:]CONTAINER[/udp], one a line or separated by spaces or commas. */
  ports: string;
  /** `-it`: a terminal (tty) with stdin kept open, for the window's Terminal tab. */
  interactive: boolean;
  /** The Security section: `--privileged`. */
  privileged: boolean;
  /** `--cap-add`/`--cap-drop`: names separated by spaces or commas (`NET_ADMIN`, `cap_sys_time`, `ALL`). */
  capAdd: string;
  capDrop: string;
  /** `--read-only`. */
  readOnly: boolean;
  /** `no-new-privileges`: on unless unticked. */
  noNewPrivileges: boolean;
  /** `seccomp=`: the default profile, none, or a JSON profile from a file the user picked. */
  seccomp: 'default' | 'unconfined' | 'custom';
  /** The picked profile file's text (its name in seccompFile): sent whole, so it works on any connection. */
  seccompProfile: string;
  seccompFile: string;
}

export type RunFormErrors = Partial<Record<keyof RunForm, string>>;

export const EMPTY_FORM: RunForm = {
  image: '',
  name: '',
  command: '',
  env: '',
  mounts: '',
  memory: '',
  cpus: '',
  pids: '',
  restart: 'no',
  maxRetries: '',
  network: 'bridge',
  ports: '',
  interactive: false,
  privileged: false,
  capAdd: '',
  capDrop: '',
  readOnly: false,
  noNewPrivileges: true,
  seccomp: 'default',
  seccompProfile: '',
  seccompFile: '',
};

/** The Security section's fields: the dialog opens the section when one of them has a problem. */
export const SECURITY_FIELDS: readonly (keyof RunForm)[] = ['capAdd', 'capDrop', 'seccompProfile'];

/** The Command field's words (src-shared/shell-words.ts; the exec and terminal panels split theirs with it too). */
export { splitCommand };

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/** What the Name field says of a name another container has: one line, beside the name itself. */
export function nameTakenMessage(): string {
  return 'Another container has this name.';
}

/**
 * The form's options and a message per field that is wrong. `taken` says whether a name
 * belongs to a container already (the list the window holds): said at the Name field before
 * anything is sent; the engine, the last word, says it too should one be made meanwhile.
 */
export function checkRunForm(form: RunForm, host: { cpus: number; memoryBytes: number }, taken: (name: string) => boolean = () => false): { options: ContainerOptions; errors: RunFormErrors } {
  const errors: RunFormErrors = {};
  const options: ContainerOptions = {};
  if (!form.image) errors.image = 'Choose an image to run.';
  if (form.name) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(form.name)) errors.name = 'Two or more letters, digits, _ . or -, starting with a letter or digit.';
    else if (taken(form.name)) errors.name = nameTakenMessage();
    else options.name = form.name;
  }
  if (form.command.trim()) {
    const command = splitCommand(form.command.trim());
    if (!command) errors.command = 'A quote is not closed.';
    else options.command = command;
  }
  const env = lines(form.env);
  const badEnv = env.find((entry) => !/^[^=\s]+=/.test(entry));
  if (badEnv) errors.env = `"${badEnv}" is not KEY=VALUE.`;
  else if (env.length) options.env = env;
  const volumes: VolumeSpec[] = [];
  for (const line of lines(form.mounts)) {
    const [source, destination, mode, extra] = line.split(':');
    if (!source?.startsWith('/') || !destination?.startsWith('/') || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
      errors.mounts = `"${line}": expected /host/path:/container/path[:ro]`;
      break;
    }
    volumes.push({ source, destination, readonly: mode === 'ro' });
  }
  if (volumes.length) options.volumes = volumes;
  if (form.network !== 'bridge') options.network = form.network;
  const publish: PortSpec[] = [];
  for (const word of form.ports.split(/[\s,]+/).filter(Boolean)) {
    const spec = parsePortLine(word);
    if (!spec) {
      errors.ports = `"${word}": expected [IP:][HOST_PORT:]CONTAINER_PORT[/udp], e.g. 8080:80`;
      break;
    }
    publish.push(spec);
  }
  if (publish.length && !publishesPorts(form.network)) errors.ports = `Publishing ports needs the bridge, slirp4netns or pasta network (this one is ${form.network}).`;
  else if (publish.length) options.publish = publish;
  if (form.memory.trim()) {
    const bytes = parseSize(form.memory);
    if (bytes === undefined) errors.memory = 'A size such as 64m, 512m or 1g.';
    else if (bytes < MIN_MEMORY) errors.memory = 'At least 6m.';
    else if (bytes > host.memoryBytes) errors.memory = `This host has ${formatBytes(host.memoryBytes)}.`;
    else {
      options.memory = bytes;
      options.memorySwap = bytes; // no swap beyond the limit: the limit is the limit
    }
  }
  if (form.cpus.trim()) {
    const cpus = Number(form.cpus);
    if (!/^(\d+(\.\d+)?|\.\d+)$/.test(form.cpus.trim()) || !(cpus >= 0.01 && cpus <= host.cpus)) errors.cpus = `A number from 0.01 to ${host.cpus} (this host's CPUs).`;
    else options.cpus = cpus;
  }
  if (form.pids.trim()) {
    const pids = Number(form.pids);
    if (!/^\d+$/.test(form.pids.trim()) || pids < 1) errors.pids = 'A whole number of processes, 1 or more.';
    else options.pidsLimit = pids;
  }
  if (form.restart === 'on-failure') {
    if (form.maxRetries.trim() && !/^\d+$/.test(form.maxRetries.trim())) errors.maxRetries = 'A whole number, or empty for no limit.';
    else options.restart = form.maxRetries.trim() ? { name: 'on-failure', maxRetries: Number(form.maxRetries) } : { name: 'on-failure' };
  } else if (form.restart !== 'no') options.restart = { name: form.restart };
  if (form.interactive) Object.assign(options, { tty: true, interactive: true });
  checkSecurity(form, options, errors);
  return { options, errors };
}

/**
 * The problems still to show as the person edits, after an attempt showed `shown`: those
 * fields' messages as they are now (gone once fixed, changed with the value). A field that
 * was right is not judged again before the next attempt: nothing new appears mid-typing.
 */
export function stillWrong(shown: RunFormErrors, now: RunFormErrors): RunFormErrors {
  const left: RunFormErrors = {};
  for (const field of Object.keys(shown) as (keyof RunForm)[]) if (shown[field] && now[field]) left[field] = now[field];
  return left;
}

/** `NET_ADMIN, sys_time` → ['CAP_NET_ADMIN', 'CAP_SYS_TIME'], or the first name no kernel has. */
export function parseCapabilityText(text: string): { names: string[] } | { unknown: string } {
  const names: string[] = [];
  for (const word of text.split(/[\s,]+/).filter(Boolean)) {
    const name = normalizeCapability(word);
    if (name === undefined) return { unknown: word };
    if (!names.includes(name)) names.push(name);
  }
  return { names };
}

function checkSecurity(form: RunForm, options: ContainerOptions, errors: RunFormErrors): void {
  if (form.privileged) options.privileged = true;
  for (const field of ['capAdd', 'capDrop'] as const) {
    // --privileged gets every capability: the lists would change nothing (the fields are disabled)
    if (form.privileged) continue;
    const parsed = parseCapabilityText(form[field]);
    if ('unknown' in parsed) errors[field] = `"${parsed.unknown}" is not a capability: a name such as NET_ADMIN or CAP_NET_ADMIN, or ALL.`;
    else if (parsed.names.length) options[field] = parsed.names;
  }
  if (form.readOnly) options.readonlyRootfs = true;
  if (!form.noNewPrivileges) options.noNewPrivileges = false;
  if (form.seccomp === 'unconfined') options.seccompProfile = 'unconfined';
  else if (form.seccomp === 'custom') {
    const problem = seccompProblem(form.seccompProfile);
    if (problem) errors.seccompProfile = problem;
    else options.seccompProfile = form.seccompProfile;
  }
}

/** What is wrong with a picked profile file's text, checked as the CLI checks a file; the engine checks what it says. */
function seccompProblem(text: string): string | undefined {
  if (!text) return 'Choose a JSON profile file.';
  if (new TextEncoder().encode(text).length > MAX_SECCOMP_PROFILE_BYTES) return 'This file is bigger than a seccomp profile (at most 1 MiB).';
  try {
    JSON.parse(text);
  } catch {
    return 'This file is not JSON: a seccomp profile is a JSON file.';
  }
  return undefined;
}
