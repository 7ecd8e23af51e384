// The one question asked before a destructive action: what it will do, in words, and the
// person's answer. Actions `await ask(…)`; ConfirmDialog shows the question. Words that
// need the engine first (what removing an image frees: a dry run) come as a promise — the
// dialog says it is working them out meanwhile, and shows why when the engine refuses.
// One question at a time: a new one answers the open one "no".
import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { errorMessage } from '../api/errors';
import type { ConfirmWords } from '../lib/confirm-words';

export interface OpenQuestion {
  title: string;
  /** Undefined while the words are worked out. */
  words?: ConfirmWords;
  /** The words could not be worked out (the engine's message). */
  failure?: string;
}

export const useConfirmStore = defineStore('confirm', () => {
  const question = shallowRef<OpenQuestion | undefined>();
  let reply: ((yes: boolean) => void) | undefined;

  /** Asks; resolves true only when the person chose the action. */
  function ask(title: string, words: ConfirmWords | Promise<ConfirmWords>): Promise<boolean> {
    answer(false);
    const asked: OpenQuestion = { title };
    question.value = asked;
    const answered = new Promise<boolean>((resolve) => (reply = resolve));
    Promise.resolve(words).then(
      (known) => {
        if (question.value === asked) question.value = { title: known.title ?? title, words: known };
      },
      (error: unknown) => {
        if (question.value === asked) question.value = { title, failure: errorMessage(error) };
      },
    );
    return answered;
  }

  /** The person's answer; closes the question. "Yes" counts only for words that allow it. */
  function answer(yes: boolean): void {
    const words = question.value?.words;
    const go = yes && words !== undefined && !words.refusal;
    const resolve = reply;
    reply = undefined;
    question.value = undefined;
    resolve?.(go);
  }

  return { question, ask, answer };
});
