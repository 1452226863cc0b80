/**
 * Runs `work` over `items` with at most `concurrency` in flight, handing each result to `onResult` as soon as it
 * lands (so the caller can commit in batches while the rest is still in the air). A lane sends its next request
 * before it hands a result over, so a slow `onResult` (a commit) never leaves a lane idle. The first error (of `work`
 * or of `onResult`) stops new work and is rethrown once what is in flight has settled.
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
  const take = (): Promise<{ result: R; item: T }> | null => {
    if (failure !== null || next >= items.length) return null;
    if (signal?.aborted) {
      failure = { error: signal.reason };
      return null;
    }
    const index = next++;
    const item = items[index]!;
    return work(item, index).then((result) => ({ result, item }));
  };
  const lane = async (): Promise<void> => {
    let pending = take();
    while (pending !== null) {
      let landed: { result: R; item: T };
      try {
        landed = await pending;
      } catch (error) {
        failure ??= { error };
        return;
      }
      pending = take();
      try {
        onResult(landed.result, landed.item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
