/**
 * Runs `work` over `items` with at most `concurrency` in flight, handing each result to `onResult` as soon as it
 * lands (so the caller can commit in batches while the rest is still in the air). The first error stops new work and
 * is rethrown once what is in flight has settled.
 */
export async function forEachConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  onResult: (result: R, item: T) => void,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      if (signal?.aborted) throw signal.reason;
      const index = next++;
      const item = items[index]!;
      try {
        onResult(await work(item, index), item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
