// Published ports in the window: the run dialog's `-p` lines → PortSpec, and a container's
// ports as the list shows them. The engine checks the specs again and has the last word.
import type { ContainerRecord, PortSpec } from '../../../src-main/api/types/containers';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** `8080:80`, `80`, `0.0.0.0:8080:80/udp`, `127.0.0.1::80`; undefined when malformed. */
export function parsePortLine(text: string): PortSpec | undefined {
  const match = /^(?:(\d+\.\d+\.\d+\.\d+):)?(?:(\d*):)?(\d+)(?:\/(tcp|udp))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, hostIp = '127.0.0.1', hostPort = '', containerPort, protocol = 'tcp'] = match;
  const port = (value: number) => Number.isInteger(value) && value >= 1 && value <= 65535;
  if (!IPV4.test(hostIp) || !port(Number(containerPort)) || (hostPort !== '' && !port(Number(hostPort)))) return undefined;
  return { hostIp, hostPort: hostPort === '' ? 0 : Number(hostPort), containerPort: Number(containerPort), protocol: protocol as PortSpec['protocol'] };
}

/** `127.0.0.1:8080→80/tcp` for what is published while it runs, then exposed ports not published. */
export function describePorts(container: Pick<ContainerRecord, 'state' | 'exposedPorts'>): string[] {
  const published = container.state.network?.ports ?? [];
  const exposed = (container.exposedPorts ?? []).filter((port) => !published.some((spec) => `${spec.containerPort}/${spec.protocol}` === port));
  return [...published.map((spec) => `${spec.hostIp}:${spec.hostPort}→${spec.containerPort}/${spec.protocol}`), ...exposed];
}

/** Where a browser reaches a published TCP port, for a link; 0.0.0.0 is reached on localhost. */
export function portUrl(spec: PortSpec): string | undefined {
  if (spec.protocol !== 'tcp' || spec.hostPort === 0) return undefined;
  return `http://${spec.hostIp === '0.0.0.0' ? '127.0.0.1' : spec.hostIp}:${spec.hostPort}/`;
}
