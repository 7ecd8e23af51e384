// Short messages in the corner: what just worked, and — until dismissed — what failed. A
// message may carry one action (Undo), and then stays long enough to reach it.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { errorMessage } from '../api/errors';

/** A button on a toast: pressing it runs `run` and dismisses the toast. */
export interface ToastAction {
  label: string;
  run: () => unknown;
}

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  title: string;
  detail?: string;
  action?: ToastAction;
}

const SUCCESS_MS = 4000;
/** With an action: time to read it and reach the button. */
const ACTION_MS = 10_000;

export const useToastsStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([]);
  let nextId = 1;

  function show(kind: Toast['kind'], title: string, detail?: string, action?: ToastAction): number {
    const id = nextId++;
    toasts.value.push({ id, kind, title, detail, ...(action ? { action } : {}) });
    if (kind !== 'error') setTimeout(() => dismiss(id), action ? ACTION_MS : SUCCESS_MS);
    return id;
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((toast) => toast.id !== id);
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
    act,
    success: (title: string, detail?: string, action?: ToastAction) => show('success', title, detail, action),
    info: (title: string, detail?: string) => show('info', title, detail),
    /** Errors stay until dismissed. */
    error: (title: string, error: unknown) => show('error', title, errorMessage(error)),
  };
});
