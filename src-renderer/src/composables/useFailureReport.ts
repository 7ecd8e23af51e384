// Where a form's failure is shown: in the form while it is open — beside what it concerns,
// and nowhere else — and, when the work outlived its dialog (an import or a build goes on
// after Close), as an error toast, so it is neither lost nor said twice. A job cancelled is
// the person's own doing: once the dialog is gone it is not reported.
import { onBeforeUnmount, ref } from 'vue';
import { isApiError } from '@shared/api/api-error';
import { errorMessage } from '../api/errors';
import { useToastsStore } from '../stores/toasts';

export function useFailureReport() {
  const toasts = useToastsStore();
  /** The failure to show in the form, until the next attempt clears it. */
  const failure = ref<string | undefined>();
  let open = true;
  onBeforeUnmount(() => (open = false));

  function report(title: string, error: unknown): void {
    if (open) failure.value = errorMessage(error);
    else if (!isApiError(error, 'CANCELLED')) toasts.error(title, error);
  }

  return { failure, report };
}
