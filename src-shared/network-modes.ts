// The network modes a container or a build's RUN step may ask for, written once for the
// API's schemas, the engine's `--network` parsing, the CLI's help and the window. Which
// engine offers which is the engine's to say (checkNetworkMode, and system.info's
// capabilities): the bridge is the root engine's, slirp4netns and pasta the rootless
// engine's, host and none both's.

export const NETWORK_MODES = ['bridge', 'host', 'none', 'slirp4netns', 'pasta'] as const;

export type NetworkMode = (typeof NETWORK_MODES)[number];

/** The rootless engine's two user-mode networks (a helper process each: Debian's slirp4netns, passt). */
export type UserModeNetwork = Extract<NetworkMode, 'slirp4netns' | 'pasta'>;

export function isNetworkMode(text: string): text is NetworkMode {
  return (NETWORK_MODES as readonly string[]).includes(text);
}

/** Whether a container on this network can have published ports (-p): a namespace of its own, connected by the engine. */
export function publishesPorts(mode: NetworkMode): boolean {
  return mode === 'bridge' || mode === 'slirp4netns' || mode === 'pasta';
}
