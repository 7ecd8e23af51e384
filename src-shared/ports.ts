// `-p [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp]`, Docker's form. Unlike Docker, a
// port is published on 127.0.0.1 unless an address is given: a desktop's containers are
// for its user, and `0.0.0.0:8080:80` says so when the whole network should reach one.
import { StrataError } from './errors';

export interface PortSpec {
  /** The host address to listen on; 0.0.0.0 means every address of the host. */
  hostIp: string;
  /** 0: any free port, chosen at start. */
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export const DEFAULT_HOST_IP = '127.0.0.1';

export function parsePortSpec(text: string): PortSpec {
  const what = `-p ${JSON.stringify(text)}`;
  const invalid = (why: string) => new StrataError('INVALID_ARGUMENT', `${what}: ${why}`);
  const [ports, protocol = 'tcp', ...extra] = text.trim().split('/');
  if (extra.length || (protocol !== 'tcp' && protocol !== 'udp')) throw invalid('the protocol is tcp or udp');
  const parts = ports!.split(':');
  // only the host port may be empty (`127.0.0.1::80`, `:80`): a free one is chosen at start
  if (parts.length > 3 || parts.some((part, i) => part === '' && i !== parts.length - 2)) {
    throw invalid('expected [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/tcp|udp], e.g. 8080:80');
  }
  const containerPort = port(parts.at(-1)!, 'the container port', invalid);
  const hostPort = parts.length >= 2 && parts.at(-2) !== '' ? port(parts.at(-2)!, 'the host port', invalid) : 0;
  const hostIp = parts.length === 3 ? parts[0]! : DEFAULT_HOST_IP;
  if (parseIPv4(hostIp) === undefined) throw invalid(`the host address ${JSON.stringify(hostIp)} is not an IPv4 address (IPv6 is not supported yet)`);
  return { hostIp, hostPort, containerPort, protocol };
}

function port(text: string, what: string, invalid: (why: string) => StrataError): number {
  if (text.includes('-')) throw invalid('port ranges are not supported; give each port with its own -p');
  const value = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(value >= 1 && value <= 65535)) throw invalid(`${what} ${JSON.stringify(text)} is not a port (1 to 65535)`);
  return value;
}

/** Checks a spec however it arrived (the API, a record) and fills the defaults. */
export function validatePortSpec(spec: Partial<PortSpec> & { containerPort: number }): PortSpec {
  const text = `${spec.hostIp ?? DEFAULT_HOST_IP}:${spec.hostPort || ''}:${spec.containerPort}/${spec.protocol ?? 'tcp'}`;
  return parsePortSpec(text);
}

/** `127.0.0.1:8080->80/tcp`, as `ps` shows it. */
export function formatPort(spec: PortSpec): string {
  return `${spec.hostIp}:${spec.hostPort || '?'}->${spec.containerPort}/${spec.protocol}`;
}

/** A dotted IPv4 address as a number; undefined when it is not one. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255)) return undefined;
  return parts.reduce((value, part) => value * 256 + Number(part), 0);
}
