// Which dialog is open, so any view, shortcut or the command palette can open one.
import { defineStore } from 'pinia';
import { ref } from 'vue';

export type DialogId = 'run' | 'import' | 'build' | 'prune' | 'tag' | 'pull';

export const useDialogsStore = defineStore('dialogs', () => {
  const open = ref<DialogId | undefined>();
  /** What the dialog is about (the image to run or tag). */
  const subject = ref<string | undefined>();

  function show(id: DialogId, about?: string): void {
    open.value = id;
    subject.value = about;
  }

  function close(): void {
    open.value = undefined;
    subject.value = undefined;
  }

  return { open, subject, show, close };
});
