// Published ports in the window: the run dialog's `-p` lines → PortSpec (parsed by the one
// parser the engine uses, src-shared/ports.ts), and a container's ports as the list shows them.
import type { ContainerRecord, PortSpec } from '@shared/api/types/containers';
import { parsePortSpec } from '@shared/ports';

/** `8080:80`, `80`, `0.0.0.0:8080:80/udp`, `127.0.0.1::80`; undefined when malformed. */
export function parsePortLine(text: string): PortSpec | undefined {
  try {
    return parsePortSpec(text);
  } catch {
    return undefined;
  }
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
