// The modal dialogs open now, the last opened on top. A modal <dialog> sits in the page's
// top layer and makes everything outside it inert, so what must stay above it and usable
// (the toasts) goes inside the topmost one: nothing but a later modal can cover it, and
// nothing a modal blocks can be inside it.
import { type Ref, computed, onBeforeUnmount, onMounted, shallowReactive } from 'vue';

const open = shallowReactive<HTMLDialogElement[]>([]);

/** The topmost open modal dialog, or undefined when none is open. */
export const topModal = computed<HTMLDialogElement | undefined>(() => open.at(-1));

/** Counts `dialog` as open from mount (after showModal) to unmount. */
export function useModalStack(dialog: Ref<HTMLDialogElement | undefined>): void {
  onMounted(() => {
    if (dialog.value) open.push(dialog.value);
  });
  onBeforeUnmount(() => {
    const at = dialog.value ? open.indexOf(dialog.value) : -1;
    if (at >= 0) open.splice(at, 1);
  });
}
