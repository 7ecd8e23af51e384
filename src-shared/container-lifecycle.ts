// A container's lifecycle as one table: for each action, the statuses it may act on, the
// ones where it has nothing to do (docker's idempotent verbs), and what follows. The
// engine refuses the rest with CONFLICT; the window offers exactly the actions allowed.
//
//   created ──start──▶ running ◀──unpause── paused
//      ▲                 │  └────pause────────▲ │
//      │         stop/kill/exit          stop/kill
//      │                 ▼                      │
//      └──(restart)── exited ◀──────────────────┘        remove: created/exited (force: any)
//
// A restart policy takes an exited container back to running (restart-monitor.ts) without
// a user's action; it is the same transition as start. Runs anywhere: no imports.

export type ContainerStatus = 'created' | 'running' | 'paused' | 'exited';

export type ContainerAction = 'start' | 'stop' | 'restart' | 'pause' | 'unpause' | 'kill' | 'remove' | 'exec' | 'commit' | 'update';

interface Transition {
  /** Statuses the action works on. */
  readonly from: readonly ContainerStatus[];
  /** Statuses where it succeeds without doing anything (docker: start of a running container). */
  readonly noop?: readonly ContainerStatus[];
  /** Statuses it takes only when forced (`rm -f` of a running container). */
  readonly forced?: readonly ContainerStatus[];
  /** The status afterwards; undefined when unchanged, 'removed' when the container is gone. */
  readonly to?: ContainerStatus | 'removed';
  /** What a refusal tells the person, after "container NAME is STATUS: ". */
  readonly refused: string;
  /** Where the window offers it, when not everywhere it works (restart: only while running). */
  readonly offer?: readonly ContainerStatus[];
}

const ALL: readonly ContainerStatus[] = ['created', 'running', 'paused', 'exited'];

export const LIFECYCLE: Readonly<Record<ContainerAction, Transition>> = {
  start: { from: ['created', 'exited'], noop: ['running', 'paused'], to: 'running', refused: 'only a created or exited container can be started' },
  stop: { from: ['running', 'paused'], noop: ['created', 'exited'], to: 'exited', refused: 'only a running or paused container can be stopped' },
  restart: { from: ALL, to: 'running', refused: 'it cannot be restarted', offer: ['running'] },
  pause: { from: ['running'], to: 'paused', refused: 'only a running container can be paused' },
  unpause: { from: ['paused'], to: 'running', refused: 'only a paused container can be resumed' },
  kill: { from: ['running', 'paused'], to: 'exited', refused: 'only a running or paused container can be killed' },
  remove: { from: ['created', 'exited'], forced: ['running', 'paused'], to: 'removed', refused: 'stop it first or use --force' },
  exec: { from: ['running'], refused: 'exec needs a running container' },
  commit: { from: ALL, refused: 'it cannot be committed' },
  update: { from: ALL, refused: 'it cannot be updated' },
};

export type Verdict = 'go' | 'noop' | 'refused';

/** Whether `action` may act on a container in `status` (forced: as `--force`). */
export function verdict(action: ContainerAction, status: ContainerStatus, options: { force?: boolean } = {}): Verdict {
  const t = LIFECYCLE[action];
  if (t.from.includes(status)) return 'go';
  if (options.force && t.forced?.includes(status)) return 'go';
  if (t.noop?.includes(status)) return 'noop';
  return 'refused';
}

/** The sentence a refusal carries: `container web is exited: only a running container can be paused`. */
export function refusal(action: ContainerAction, name: string, status: ContainerStatus): string {
  return `container ${name} is ${status}: ${LIFECYCLE[action].refused}`;
}

/** The actions a window offers as buttons, in the order it lists them. */
export const OFFERED = ['start', 'unpause', 'stop', 'restart', 'pause', 'kill', 'remove'] as const satisfies readonly ContainerAction[];
export type OfferedAction = (typeof OFFERED)[number];

/** The offered actions that fit a container in `status`. */
export function offeredActions(status: ContainerStatus): OfferedAction[] {
  return OFFERED.filter((action) => {
    const offer = LIFECYCLE[action].offer;
    return offer ? offer.includes(status) : verdict(action, status, { force: true }) === 'go';
  });
}
