// Keeps the window title in step with a reactive value ("Images · Strata").
import { type MaybeRefOrGetter, toValue, watchEffect } from 'vue';

export function useDocumentTitle(title: MaybeRefOrGetter<string>): void {
  watchEffect(() => {
    document.title = `${toValue(title)} · Strata`;
  });
}
