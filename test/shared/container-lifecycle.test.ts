// The lifecycle table against docker's behaviour, written out by hand (not derived from the
// table): which actions work, which are quiet no-ops, which are refused, per status.
import { describe, expect, it } from 'vitest';

import { type ContainerAction, type ContainerStatus, offeredActions, refusal, verdict } from '@shared/container-lifecycle';

// docker 27: `docker start` of a running container prints its name and exits 0; `docker stop`
// of a stopped one likewise; `pause`/`unpause`/`kill`/`exec` of the wrong state are errors;
// `rm` of a running container needs -f; `restart` works on any.
const EXPECTED: Record<ContainerAction, Record<ContainerStatus, 'go' | 'noop' | 'refused'>> = {
  start: { created: 'go', running: 'noop', paused: 'noop', exited: 'go' },
  stop: { created: 'noop', running: 'go', paused: 'go', exited: 'noop' },
  restart: { created: 'go', running: 'go', paused: 'go', exited: 'go' },
  pause: { created: 'refused', running: 'go', paused: 'refused', exited: 'refused' },
  unpause: { created: 'refused', running: 'refused', paused: 'go', exited: 'refused' },
  kill: { created: 'refused', running: 'go', paused: 'go', exited: 'refused' },
  remove: { created: 'go', running: 'refused', paused: 'refused', exited: 'go' },
  exec: { created: 'refused', running: 'go', paused: 'refused', exited: 'refused' },
  commit: { created: 'go', running: 'go', paused: 'go', exited: 'go' },
  update: { created: 'go', running: 'go', paused: 'go', exited: 'go' },
};

describe('container lifecycle', () => {
  it('allows, ignores and refuses each action as docker does', () => {
    for (const [action, row] of Object.entries(EXPECTED) as [ContainerAction, Record<ContainerStatus, string>][]) {
      for (const [status, expected] of Object.entries(row) as [ContainerStatus, string][]) {
        expect(`${action} ${status}: ${verdict(action, status)}`).toBe(`${action} ${status}: ${expected}`);
      }
    }
  });

  it('lets --force remove a running or paused container, and nothing else', () => {
    expect(verdict('remove', 'running', { force: true })).toBe('go');
    expect(verdict('remove', 'paused', { force: true })).toBe('go');
    expect(verdict('pause', 'exited', { force: true })).toBe('refused');
  });

  it('offers the window the buttons that fit', () => {
    expect(offeredActions('running')).toEqual(['stop', 'restart', 'pause', 'kill', 'remove']);
    expect(offeredActions('paused')).toEqual(['unpause', 'stop', 'kill', 'remove']);
    expect(offeredActions('exited')).toEqual(['start', 'remove']);
    expect(offeredActions('created')).toEqual(['start', 'remove']);
  });

  it('words a refusal with the name, the status and what would work', () => {
    expect(refusal('pause', 'web', 'exited')).toBe('container web is exited: only a running container can be paused');
    expect(refusal('remove', 'web', 'running')).toBe('container web is running: stop it first or use --force');
  });
});
