// The log of the open container: its last lines, then (while following) the lines it
// prints, pushed by `logs.lines`. Search, stream and timestamp choices live here too.
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
  let follow: string | undefined;
  let stopListening: (() => void) | undefined;

  const visible = computed(() => {
    const text = search.value.toLowerCase();
    return lines.value.filter((line) => streams.value[line.stream] && (!text || line.log.toLowerCase().includes(text)));
  });

  function append(more: readonly LogLine[]): void {
    const next = lines.value.concat(more);
    lines.value = next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
  }

  /** Shows `id`'s log: its last lines, and, while `following`, what it prints next. */
  async function open(id: string): Promise<void> {
    await close();
    container.value = id;
    lines.value = [];
    error.value = undefined;
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

  return { container, lines, visible, following, error, search, timestamps, streams, open, close, setFollowing };
});
