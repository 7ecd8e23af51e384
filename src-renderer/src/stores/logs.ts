// The log of the open container: its last lines, then (while following) the lines it
// prints, pushed by `logs.lines`. Search, stream and timestamp choices live here too.
//
// The view may be paused (the reader scrolled up, or unticked Follow): the follow goes on,
// but what arrives is held back, so the lines being read stay where they are (no line
// drops off the top under the reader), and counted (`newLines`, the "12 new lines ↓" the
// panel shows). Resuming shows them and follows the end again.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import type { LogLine, LogLinesEvent } from '@shared/api/types/containers';

/** Lines kept in the window; older ones drop off the top. */
export const MAX_LINES = 5000;
const TAIL = 1000;

export const useLogsStore = defineStore('logs', () => {
  const container = ref<string | undefined>();
  const lines = shallowRef<readonly LogLine[]>([]);
  const following = ref(false);
  const error = ref<string | undefined>();
  const search = ref('');
  const timestamps = ref(false);
  const streams = ref<{ stdout: boolean; stderr: boolean }>({ stdout: true, stderr: true });
  /** The view holds still: arriving lines wait in `held`. */
  const paused = ref(false);
  const held = shallowRef<readonly LogLine[]>([]);
  let follow: string | undefined;
  let stopListening: (() => void) | undefined;

  function shows(line: LogLine, text: string): boolean {
    return streams.value[line.stream] && (!text || line.log.toLowerCase().includes(text));
  }

  const visible = computed(() => {
    const text = search.value.toLowerCase();
    return lines.value.filter((line) => shows(line, text));
  });

  /** The held lines the search and streams would show: what resuming adds to the view. */
  const newLines = computed(() => {
    const text = search.value.toLowerCase();
    return held.value.reduce((count, line) => count + (shows(line, text) ? 1 : 0), 0);
  });

  /** The newest MAX_LINES of `before` and `more`. */
  function bounded(before: readonly LogLine[], more: readonly LogLine[]): readonly LogLine[] {
    const next = before.concat(more);
    return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
  }

  function append(more: readonly LogLine[]): void {
    if (paused.value) held.value = bounded(held.value, more);
    else lines.value = bounded(lines.value, more);
  }

  function pause(): void {
    paused.value = true;
  }

  /** Shows what was held back and follows the end again (a follow that ended is started afresh). */
  async function resume(): Promise<void> {
    if (paused.value) {
      paused.value = false;
      if (held.value.length) lines.value = bounded(lines.value, held.value);
      held.value = [];
    }
    if (!following.value) await setFollowing(true);
  }

  /** Shows `id`'s log: its last lines, and, while `following`, what it prints next. */
  async function open(id: string): Promise<void> {
    await close();
    container.value = id;
    lines.value = [];
    error.value = undefined;
    paused.value = false;
    held.value = [];
    await setFollowing(true);
  }

  async function setFollowing(on: boolean): Promise<void> {
    const id = container.value;
    if (!id) return;
    if (!on) {
      following.value = false;
      await unfollow();
      return;
    }
    following.value = true;
    // A follow still live (following turned on while on) is left, so none runs unseen; and
    // until the new one's answer `follow` must be unset, or its first lines are dropped.
    void unfollow();
    // Lines may arrive before the answer naming their follow: keep them until then.
    const early: LogLinesEvent[] = [];
    const receive = (event: LogLinesEvent): void => {
      if (follow === undefined) return void early.push(event);
      if (event.follow !== follow) return;
      if (event.error) {
        error.value = event.error.message;
        following.value = false;
        follow = undefined; // the engine has ended it: nothing to unfollow
      } else append(event.lines);
    };
    stopListening?.();
    stopListening = api.on('logs.lines', receive);
    try {
      lines.value = []; // the tail read again replaces what was shown
      held.value = [];
      const started = await api.call('logs.follow', { ref: id, tail: TAIL });
      if (container.value !== id || !following.value) return void api.call('logs.unfollow', { follow: started.follow }).catch(() => {});
      follow = started.follow;
      for (const event of early.splice(0)) receive(event);
    } catch (cause) {
      error.value = errorMessage(cause);
      following.value = false;
    }
  }

  async function unfollow(): Promise<void> {
    const id = follow;
    follow = undefined;
    if (id) await api.call('logs.unfollow', { follow: id }).catch(() => {}); // it may have ended with the container
  }

  async function close(): Promise<void> {
    following.value = false;
    await unfollow();
    stopListening?.();
    stopListening = undefined;
    container.value = undefined;
  }

  return { container, lines, visible, following, paused, newLines, error, search, timestamps, streams, open, close, setFollowing, pause, resume };
});
