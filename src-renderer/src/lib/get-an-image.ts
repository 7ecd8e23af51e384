// The ways to get an image into an empty store, as `strata` commands — what the window
// suggests from a terminal wherever it has no image to offer (never `strata run … IMAGE`
// then: there is nothing to run yet). The buttons beside them open the Import, Pull and
// Build dialogs.

/** One command and what it does (EmptyState's `steps`). */
export interface CommandStep {
  command: string;
  note: string;
}

export const GET_AN_IMAGE: readonly CommandStep[] = [
  { command: 'strata import -t NAME:TAG FILE', note: 'An OCI layout or archive, a docker-archive (docker save), or a rootfs tar.' },
  { command: 'strata pull busybox', note: 'From Docker Hub, or any registry: registry.example.com/team/app:v2.' },
  { command: 'strata build -t NAME:TAG DIR', note: 'From the Containerfile in DIR.' },
];
