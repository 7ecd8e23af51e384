// Short messages in the corner: what just worked, and — until dismissed — what failed. A
// message may carry one action (Undo), and then stays long enough to reach it; one under
// the pointer or focus is held (lib/toast-lifetime.ts). Errors a dialog or a form shows
// beside its fields are not toasts too: the store that throws them to the form leaves them
// to it.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { errorMessage } from '../api/errors';
import { type ToastKind, leftAfterHold, toastLifetime } from '../lib/toast-lifetime';

/** A button on a toast: pressing it runs `run` and dismisses the toast. */
export interface ToastAction {
  label: string;
  run: () => unknown;
}

export interface Toast {
  id: number;
  kind: ToastKind;
  title: string;
  detail?: string;
  action?: ToastAction;
}

/** A toast's own clock: when it goes, or how long it had left when it was held. */
interface Clock {
  timer?: ReturnType<typeof setTimeout>;
  deadline?: number;
  heldWithLeft?: number;
}

export const useToastsStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([]);
  const clocks = new Map<number, Clock>();
  let nextId = 1;

  function show(kind: ToastKind, title: string, detail?: string, action?: ToastAction): number {
    const id = nextId++;
    toasts.value.push({ id, kind, title, detail, ...(action ? { action } : {}) });
    const lifetime = toastLifetime(kind, action !== undefined);
    if (lifetime !== undefined) clocks.set(id, wind(id, lifetime));
    return id;
  }

  function wind(id: number, ms: number): Clock {
    return { timer: setTimeout(() => dismiss(id), ms), deadline: Date.now() + ms };
  }

  function dismiss(id: number): void {
    clearTimeout(clocks.get(id)?.timer);
    clocks.delete(id);
    toasts.value = toasts.value.filter((toast) => toast.id !== id);
  }

  function dismissAll(): void {
    for (const toast of toasts.value) dismiss(toast.id);
  }

  /** The pointer or focus is on the toast: its time stops. An error's never runs. */
  function hold(id: number): void {
    const clock = clocks.get(id);
    if (!clock || clock.heldWithLeft !== undefined) return;
    clearTimeout(clock.timer);
    clocks.set(id, { heldWithLeft: Math.max(0, clock.deadline! - Date.now()) });
  }

  /** Let go: what time it had left, and a moment at least. */
  function release(id: number): void {
    const left = clocks.get(id)?.heldWithLeft;
    if (left !== undefined) clocks.set(id, wind(id, leftAfterHold(left)));
  }

  /** The toast's action, once: it goes with the toast. */
  function act(id: number): void {
    const toast = toasts.value.find((t) => t.id === id);
    dismiss(id);
    void toast?.action?.run();
  }

  return {
    toasts,
    dismiss,
    dismissAll,
    hold,
    release,
    act,
    success: (title: string, detail?: string, action?: ToastAction) => show('success', title, detail, action),
    info: (title: string, detail?: string) => show('info', title, detail),
    /** Errors stay until dismissed. For what no form shows: a form shows its own (beside the field it concerns). */
    error: (title: string, error: unknown) => show('error', title, errorMessage(error)),
  };
});
