// Runs an async step over a list, at most `limit` at a time, results in the list's order.
// The first failure aborts the signal the other steps were given, waits for them to end
// (so nothing still writes when the caller cleans up), and is the one thrown.

export async function parallelMap<T, R>(
  items: readonly T[],
  limit: number,
  step: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  // A signal aborted before the call never fires 'abort' again: pass it on now.
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && !failure) {
      const index = next++;
      try {
        results[index] = await step(items[index]!, index, stop.signal);
      } catch (error) {
        failure ??= { error };
        stop.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure.error;
  return results;
}
