// A clock that ticks once a second, shared by everything that shows "for 3m 12s".
import { type Ref, onScopeDispose, ref } from 'vue';

const now = ref(Date.now());
let users = 0;
let timer: ReturnType<typeof setInterval> | undefined;

export function useNow(): Readonly<Ref<number>> {
  if (users++ === 0) {
    // It stood still while nobody used it: the first reader must not see that old time.
    now.value = Date.now();
    timer = setInterval(() => (now.value = Date.now()), 1000);
  }
  onScopeDispose(() => {
    if (--users === 0) clearInterval(timer);
  });
  return now;
}
