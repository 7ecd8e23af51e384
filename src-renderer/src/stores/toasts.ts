// Short messages in the corner: what just worked, and — until dismissed — what failed.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { errorMessage } from '../api/errors';

export interface Toast {
  id: number;
  kind: 'success' | 'error' | 'info';
  title: string;
  detail?: string;
}

const SUCCESS_MS = 4000;

export const useToastsStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([]);
  let nextId = 1;

  function show(kind: Toast['kind'], title: string, detail?: string): number {
    const id = nextId++;
    toasts.value.push({ id, kind, title, detail });
    if (kind !== 'error') setTimeout(() => dismiss(id), SUCCESS_MS);
    return id;
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((toast) => toast.id !== id);
  }

  return {
    toasts,
    dismiss,
    success: (title: string, detail?: string) => show('success', title, detail),
    info: (title: string, detail?: string) => show('info', title, detail),
    /** Errors stay until dismissed. */
    error: (title: string, error: unknown) => show('error', title, errorMessage(error)),
  };
});
