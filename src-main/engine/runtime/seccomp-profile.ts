// A container's seccomp filter: the engine's default profile (seccomp-default.json) or a
// profile the user gave (Docker's format, of which the OCI's `linux.seccomp` is a subset),
// resolved for the container's bounding capabilities, this host's architecture and its
// kernel into the OCI `linux.seccomp` that strata-runtime compiles and loads. Resolving is
// Docker's: a conditional rule is kept or dropped here, so the runtime sees plain rules.
import os from 'node:os';
import { StrataError } from '@shared/errors';
import { MAX_SECCOMP_PROFILE_BYTES } from '@shared/limits';
import defaultProfileJson from './seccomp-default.json';
import type { OciCapability, OciSeccomp, OciSeccompAction, OciSeccompArg, OciSeccompOperator, OciSeccompRule } from './oci-config';
import { SECCOMP_UNCONFINED, seccompMode } from './seccomp-mode';

export { SECCOMP_UNCONFINED, seccompMode };

/** A profile's text is parsed at create and at every start: a bound on what that may cost (the CLI checks it too). */
export { MAX_SECCOMP_PROFILE_BYTES };

/** What the filter is answered for: Node's process.arch and the kernel's release (`6.1.0-18-amd64`). */
export interface SeccompHost {
  arch: string;
  kernel: string;
}

export function thisHost(): SeccompHost {
  return { arch: process.arch, kernel: os.release() };
}

/**
 * The filter a container gets: none with --privileged (as Docker) or `unconfined`; the
 * default profile when the option is absent; else the user's profile text. Throws
 * INVALID_ARGUMENT for a profile that is not one (UNSUPPORTED for a notify listener).
 */
export function seccompFor(options: { seccompProfile?: string; privileged?: boolean }, capabilities: readonly OciCapability[], host = thisHost()): OciSeccomp | undefined {
  const mode = seccompMode(options);
  if (mode.mode === 'unconfined') return undefined;
  if (mode.mode === 'default') return resolveDefault(capabilities, host);
  return resolveDockerProfile(parseSeccompProfile(options.seccompProfile!), capabilities, host);
}

// ---- the default profile ------------------------------------------------------------

interface DefaultRule {
  why: string;
  syscalls: string[];
  errno?: number;
  ifCapability?: string;
  unlessCapability?: string;
  arches?: string[];
  notArches?: string[];
  minKernel?: string;
  argsAnyOf?: OciSeccompArg[][];
}

interface DefaultProfile {
  defaultAction: OciSeccompAction;
  defaultErrnoRet: number;
  architectures: Record<string, string[]>;
  rules: DefaultRule[];
}

const DEFAULT_PROFILE = defaultProfileJson as DefaultProfile;

function resolveDefault(capabilities: readonly OciCapability[], host: SeccompHost): OciSeccomp {
  const held = new Set<string>(capabilities);
  const syscalls: OciSeccompRule[] = [];
  for (const rule of DEFAULT_PROFILE.rules) {
    if (rule.ifCapability !== undefined && !held.has(rule.ifCapability)) continue;
    if (rule.unlessCapability !== undefined && held.has(rule.unlessCapability)) continue;
    if (rule.arches !== undefined && !rule.arches.includes(host.arch)) continue;
    if (rule.notArches?.includes(host.arch)) continue;
    if (rule.minKernel !== undefined && !kernelAtLeast(host.kernel, rule.minKernel)) continue;
    const action: Pick<OciSeccompRule, 'action' | 'errnoRet'> = rule.errno === undefined ? { action: 'SCMP_ACT_ALLOW' } : { action: 'SCMP_ACT_ERRNO', errnoRet: rule.errno };
    for (const args of rule.argsAnyOf ?? [undefined]) syscalls.push({ names: [...rule.syscalls], ...action, ...(args ? { args: args.map((arg) => ({ ...arg })) } : {}) });
  }
  const architectures = DEFAULT_PROFILE.architectures[host.arch];
  return {
    defaultAction: DEFAULT_PROFILE.defaultAction,
    defaultErrnoRet: DEFAULT_PROFILE.defaultErrnoRet,
    ...(architectures ? { architectures: [...architectures] } : {}), // else the runtime's native one only
    syscalls,
  };
}

/** `6.1.0-18-amd64` ≥ `4.8`, comparing the version and major revision only (as Docker does). */
function kernelAtLeast(release: string, minimum: string): boolean {
  const [major = 0, minor = 0] = release.split(/[.-]/).map(Number);
  const [wantMajor = 0, wantMinor = 0] = minimum.split('.').map(Number);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

// ---- a user's profile: Docker's format ------------------------------------------------

const ACTIONS: readonly OciSeccompAction[] = [
  'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY',
];
const OPERATORS: readonly OciSeccompOperator[] = ['SCMP_CMP_NE', 'SCMP_CMP_LT', 'SCMP_CMP_LE', 'SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_MASKED_EQ'];
/** The runtime spec's architectures (strata-runtime's seccomp.c takes the same list). */
const ARCHITECTURES = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
];
const FLAGS = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'];

/** Node's process.arch → the runtime spec's name for the native ABI, and Docker's name for it in `arches`. */
const NATIVE: Record<string, { scmp: string; docker: string }> = {
  x64: { scmp: 'SCMP_ARCH_X86_64', docker: 'amd64' },
  ia32: { scmp: 'SCMP_ARCH_X86', docker: 'x86' },
  arm64: { scmp: 'SCMP_ARCH_AARCH64', docker: 'arm64' },
  arm: { scmp: 'SCMP_ARCH_ARM', docker: 'arm' },
  s390x: { scmp: 'SCMP_ARCH_S390X', docker: 's390x' },
  ppc64: { scmp: 'SCMP_ARCH_PPC64LE', docker: 'ppc64le' },
  riscv64: { scmp: 'SCMP_ARCH_RISCV64', docker: 'riscv64' },
  mips64el: { scmp: 'SCMP_ARCH_MIPSEL64', docker: 'mipsel64' },
  loong64: { scmp: 'SCMP_ARCH_LOONGARCH64', docker: 'loong64' },
};

interface Filter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

interface DockerRule extends OciSeccompRule {
  includes?: Filter;
  excludes?: Filter;
}

/** A user's profile, checked: Docker's format (archMap, includes/excludes) or plain OCI. */
export interface DockerProfile {
  defaultAction: OciSeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures: string[] }[];
  flags?: string[];
  syscalls: DockerRule[];
}

function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', `seccomp profile: ${message}`);
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(v: Json, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((item) => typeof item !== 'string')) throw invalid(`${where} must be a list of strings`);
  return v as string[];
}

function oneOf<T extends string>(v: Json, allowed: readonly T[], where: string, what: string): T {
  if (typeof v !== 'string') throw invalid(`${where} is required: one of ${allowed.join(', ')}`);
  if (!allowed.includes(v as T)) throw invalid(`${where}: unknown ${what} ${JSON.stringify(v)} (use one of ${allowed.join(', ')})`);
  if (v === 'SCMP_ACT_NOTIFY') throw new StrataError('UNSUPPORTED', `seccomp profile: ${where}: SCMP_ACT_NOTIFY (a notify listener) is not supported`);
  return v as T;
}

function whole(v: Json, where: string, max: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) throw invalid(`${where} must be a whole number from 0 to ${max}`);
  return v;
}

function errnoRet(v: Json, action: OciSeccompAction, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (action !== 'SCMP_ACT_ERRNO' && action !== 'SCMP_ACT_TRACE') throw invalid(`${where}: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one, not ${action}`);
  return whole(v, where, 0xffff);
}

function kernelVersion(v: Json, where: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !/^\d+\.\d+$/.test(v) || v === '0.0') throw invalid(`${where}: expected "<kernel>.<major>" such as "4.8", not ${JSON.stringify(v)}`);
  return v;
}

function filter(v: Json, where: string): Filter | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw invalid(`${where} must be an object`);
  const caps = stringList(v.caps, `${where}.caps`);
  const arches = stringList(v.arches, `${where}.arches`);
  const minKernel = kernelVersion(v.minKernel, `${where}.minKernel`);
  return { ...(caps ? { caps } : {}), ...(arches ? { arches } : {}), ...(minKernel ? { minKernel } : {}) };
}

function arg(v: Json, where: string): OciSeccompArg {
  if (!isObject(v)) throw invalid(`${where} must be an object`);
  const index = whole(v.index, `${where}.index`, 5);
  // JSON numbers past 2^53 lose their low bits here: refused rather than compared wrongly.
  const value = whole(v.value, `${where}.value`, Number.MAX_SAFE_INTEGER);
  const valueTwo = v.valueTwo === undefined || v.valueTwo === null ? undefined : whole(v.valueTwo, `${where}.valueTwo`, Number.MAX_SAFE_INTEGER);
  const op = oneOf(v.op, OPERATORS, `${where}.op`, 'operator');
  return { index, value, ...(valueTwo !== undefined ? { valueTwo } : {}), op };
}

function rule(v: Json, where: string): DockerRule {
  if (!isObject(v)) throw invalid(`${where} must be an object`);
  if (v.name !== undefined && v.names !== undefined) throw invalid(`${where}: give name or names, not both`);
  if (v.name !== undefined && typeof v.name !== 'string') throw invalid(`${where}.name must be a string`);
  const names = v.name !== undefined ? [v.name as string] : stringList(v.names, `${where}.names`);
  if (!names?.length || names.some((name) => name === '')) throw invalid(`${where}.names: at least one syscall name, none empty`);
  const action = oneOf(v.action, ACTIONS, `${where}.action`, 'action');
  const ret = errnoRet(v.errnoRet, action, `${where}.errnoRet`);
  if (v.args !== undefined && v.args !== null && !Array.isArray(v.args)) throw invalid(`${where}.args must be a list`);
  const args = ((v.args as Json[] | null | undefined) ?? []).map((a, i) => arg(a, `${where}.args[${i}]`));
  const includes = filter(v.includes, `${where}.includes`);
  const excludes = filter(v.excludes, `${where}.excludes`);
  return { names, action, ...(ret !== undefined ? { errnoRet: ret } : {}), ...(args.length ? { args } : {}), ...(includes ? { includes } : {}), ...(excludes ? { excludes } : {}) };
}

/**
 * A profile's text, checked: JSON, an object, known actions, operators, architectures and
 * flags. Throws INVALID_ARGUMENT naming the field (UNSUPPORTED for a notify listener).
 */
export function parseSeccompProfile(text: string): DockerProfile {
  if (Buffer.byteLength(text) > MAX_SECCOMP_PROFILE_BYTES) throw invalid(`larger than ${MAX_SECCOMP_PROFILE_BYTES} bytes`);
  let v: Json;
  try {
    v = JSON.parse(text);
  } catch (error) {
    throw invalid(`not JSON: ${(error as Error).message}`);
  }
  if (!isObject(v)) throw invalid('must be a JSON object with defaultAction and syscalls');
  if (v.defaultAction === undefined) throw invalid(`defaultAction is required (to run without a filter, use seccomp=${SECCOMP_UNCONFINED})`);
  const defaultAction = oneOf(v.defaultAction, ACTIONS, 'defaultAction', 'action');
  const defaultErrnoRet = errnoRet(v.defaultErrnoRet, defaultAction, 'defaultErrnoRet');
  if (typeof v.listenerPath === 'string' && v.listenerPath !== '') throw new StrataError('UNSUPPORTED', 'seccomp profile: listenerPath: a notify listener is not supported');
  const architectures = stringList(v.architectures, 'architectures');
  architectures?.forEach((a, i) => oneOf(a, ARCHITECTURES, `architectures[${i}]`, 'architecture'));
  if (v.archMap !== undefined && v.archMap !== null && !Array.isArray(v.archMap)) throw invalid('archMap must be a list');
  const archMap = ((v.archMap as Json[] | null | undefined) ?? []).map((entry, i) => {
    if (!isObject(entry)) throw invalid(`archMap[${i}] must be an object`);
    const architecture = oneOf(entry.architecture, ARCHITECTURES, `archMap[${i}].architecture`, 'architecture');
    const subArchitectures = stringList(entry.subArchitectures, `archMap[${i}].subArchitectures`) ?? [];
    subArchitectures.forEach((a, k) => oneOf(a, ARCHITECTURES, `archMap[${i}].subArchitectures[${k}]`, 'architecture'));
    return { architecture, subArchitectures };
  });
  if (architectures?.length && archMap.length) throw invalid('give architectures or archMap, not both');
  const flags = stringList(v.flags, 'flags');
  flags?.forEach((f, i) => oneOf(f, FLAGS, `flags[${i}]`, 'flag'));
  if (v.syscalls !== undefined && v.syscalls !== null && !Array.isArray(v.syscalls)) throw invalid('syscalls must be a list');
  const syscalls = ((v.syscalls as Json[] | null | undefined) ?? []).map((r, i) => rule(r, `syscalls[${i}]`));
  return {
    defaultAction,
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    ...(architectures ? { architectures } : {}),
    ...(archMap.length ? { archMap } : {}),
    ...(flags?.length ? { flags } : {}),
    syscalls,
  };
}

/** Docker's setupSeccomp: the archMap entry of this architecture, rules whose includes hold and excludes do not. */
function resolveDockerProfile(profile: DockerProfile, capabilities: readonly OciCapability[], host: SeccompHost): OciSeccomp {
  const native = NATIVE[host.arch];
  const held = new Set<string>(capabilities);
  const entry = profile.archMap?.find((a) => a.architecture === native?.scmp);
  const architectures = profile.architectures ?? (entry ? [entry.architecture, ...entry.subArchitectures] : []);
  const arch = native?.docker ?? host.arch;
  const syscalls: OciSeccompRule[] = [];
  for (const { includes, excludes, ...oci } of profile.syscalls) {
    if (excludes?.arches?.includes(arch)) continue;
    if (excludes?.caps?.some((cap) => held.has(cap))) continue;
    if (excludes?.minKernel !== undefined && kernelAtLeast(host.kernel, excludes.minKernel)) continue;
    if (includes?.arches?.length && !includes.arches.includes(arch)) continue;
    if (includes?.caps?.some((cap) => !held.has(cap))) continue;
    if (includes?.minKernel !== undefined && !kernelAtLeast(host.kernel, includes.minKernel)) continue;
    syscalls.push(oci);
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    ...(profile.flags ? { flags: [...profile.flags] } : {}),
    syscalls,
  };
}
