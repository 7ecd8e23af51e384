// Every `strata` command by name, with the line `strata --help` shows for it, and how to load
// it: a command's module (and what it imports: the API client, the engine for the local
// connection) is loaded only when that command runs, so `--help`, `--version` and a usage
// error load none of them (issue 18: the CLI paid ~200 ms before doing anything).
import type { Command } from './command';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMAND_INDEX: readonly CommandEntry[] = [
  { name: 'import', summary: 'Import images from an OCI layout, an oci-archive, a docker-archive (docker/podman save) or a rootfs tar', load: async () => (await import('./commands/import')).importCommand },
  { name: 'pull', summary: 'Pull an image from a registry (Docker Hub unless the name has one), downloading only the layers the store lacks', load: async () => (await import('./commands/pull')).pullCommand },
  { name: 'save', summary: 'Export images to a docker-archive (the default, as docker save), an oci-archive or an OCI layout directory', load: async () => (await import('./commands/save')).saveCommand },
  { name: 'build', summary: 'Build an image from a Containerfile (or Dockerfile), layer by layer, reusing cached steps', load: async () => (await import('./commands/build')).buildCommand },
  { name: 'images', summary: 'List images', load: async () => (await import('./commands/images')).imagesCommand },
  { name: 'inspect', summary: 'Show everything about images or containers, as JSON', load: async () => (await import('./commands/inspect')).inspectCommand },
  { name: 'history', summary: 'Show how an image was made, layer by layer (newest first)', load: async () => (await import('./commands/history')).historyCommand },
  { name: 'layers', summary: 'Show the file tree of an image (merged) or of one layer (--layer: what that layer added, modified, deleted); --wasted: what later layers hide, and the efficiency score', load: async () => (await import('./commands/layers')).layersCommand },
  { name: 'df', summary: 'Show disk usage: image sizes, what sharing layers saves, what prune would free', load: async () => (await import('./commands/df')).dfCommand },
  { name: 'tag', summary: 'Give an image another name', load: async () => (await import('./commands/tag')).tagCommand },
  { name: 'rmi', summary: 'Remove images (and whatever only they used)', load: async () => (await import('./commands/rmi')).rmiCommand },
  { name: 'prune', summary: 'Remove untagged images and every layer and blob nothing uses', load: async () => (await import('./commands/prune')).pruneCommand },
  { name: 'run', summary: 'Create a container from an image and start it (attached: its output, then its exit code; -it: its terminal)', load: async () => (await import('./commands/run')).runCommand },
  { name: 'create', summary: 'Create a container from an image without starting it (the options of run; `strata start` runs it)', load: async () => (await import('./commands/create')).createCommand },
  { name: 'ps', summary: 'List containers (running ones; -a for all; --filter KEY=VALUE)', load: async () => (await import('./commands/ps')).psCommand },
  { name: 'start', summary: 'Start created or stopped containers (-a: attached to its terminal, or its stdio for one made with -i)', load: async () => (await import('./commands/container-actions')).startCommand },
  { name: 'stop', summary: "Stop containers: the image's stop signal, then SIGKILL after the timeout (10 s)", load: async () => (await import('./commands/container-actions')).stopCommand },
  { name: 'restart', summary: 'Stop and start containers again', load: async () => (await import('./commands/container-actions')).restartCommand },
  { name: 'pause', summary: "Freeze every process of containers (the cgroup freezer)", load: async () => (await import('./commands/container-actions')).pauseCommand },
  { name: 'unpause', summary: 'Thaw paused containers', load: async () => (await import('./commands/container-actions')).unpauseCommand },
  { name: 'kill', summary: 'Send a signal to containers (default SIGKILL)', load: async () => (await import('./commands/container-actions')).killCommand },
  { name: 'rm', summary: 'Remove containers and their read-write layers (-f: even running ones)', load: async () => (await import('./commands/container-actions')).rmCommand },
  { name: 'wait', summary: 'Wait for containers to exit and print their exit codes', load: async () => (await import('./commands/container-actions')).waitCommand },
  { name: 'logs', summary: "Show a container's output (stdout and stderr, as it wrote them)", load: async () => (await import('./commands/logs')).logsCommand },
  { name: 'exec', summary: "Run a command in a running container (its namespaces, cgroup and root); exits with the command's code", load: async () => (await import('./commands/exec')).execCommand },
  { name: 'attach', summary: "Attach to a running container's terminal (one made with -t; ctrl-p ctrl-q leaves it running) or stdin (-i)", load: async () => (await import('./commands/attach')).attachCommand },
  { name: 'diff', summary: "What a container changed in its read-write layer: A added, C modified (Docker's letter), D deleted", load: async () => (await import('./commands/diff')).diffCommand },
  { name: 'commit', summary: "Make a new image from a container's changes: its read-write layer on top of its image", load: async () => (await import('./commands/commit')).commitCommand },
  { name: 'update', summary: 'Change the limits of containers — of running ones at once — or their restart policy', load: async () => (await import('./commands/update')).updateCommand },
  { name: 'stats', summary: "Containers' CPU, memory, network, block IO and pids, live; or one container's stored history", load: async () => (await import('./commands/stats')).statsCommand },
  { name: 'serve', summary: 'Serve the Strata window to a browser on this machine (the API over a WebSocket, behind a token); Ctrl-C stops', load: async () => (await import('./commands/serve')).serveCommand },
  { name: 'system', summary: 'The system engine: run it (service), install it as a systemd service for group strata, list connections; service --rootless: your rootless engine', load: async () => (await import('./commands/system')).systemCommand },
];

export function findCommand(name: string | undefined): CommandEntry | undefined {
  return COMMAND_INDEX.find((entry) => entry.name === name);
}
