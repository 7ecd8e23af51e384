// Where the outcome of a dialog's work is said: in the dialog while it is open — a failure
// beside what it concerns, a success in the dialog's own words — and nowhere else; when the
// work outlived its dialog (an import or a build goes on after Close), as a toast, so it is
// neither lost nor said twice. A job cancelled is the person's own doing: once the dialog is
// gone it is not reported.
import { onBeforeUnmount, ref } from 'vue';
import { isApiError } from '@shared/api/api-error';
import { errorMessage } from '../api/errors';
import { useToastsStore } from '../stores/toasts';

export function useDialogReport() {
  const toasts = useToastsStore();
  /** The failure to show in the dialog, until the next attempt clears it. */
  const failure = ref<string | undefined>();
  let open = true;
  onBeforeUnmount(() => (open = false));

  /** The work failed: said in the dialog, or in a toast once it has closed. */
  function fail(title: string, error: unknown): void {
    if (open) failure.value = errorMessage(error);
    else if (!isApiError(error, 'CANCELLED')) toasts.error(title, error);
  }

  /** The work is done: the dialog says so itself; once it has closed, a toast does. */
  function succeed(title: string, detail?: string): void {
    if (!open) toasts.success(title, detail);
  }

  return { failure, fail, succeed };
}
