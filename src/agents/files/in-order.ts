/**
 * Maps over items with a few operations in flight at once (file system calls go to libuv's
 * thread pool: one at a time leaves it idle), results in the order of the items.
 */
/** Enough file operations in flight to keep libuv's thread pool (4 threads by default) busy. */
export const IN_FLIGHT = 8;

export async function mapInOrder<T, R>(items: readonly T[], inFlight: number, map: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
  return results;
}
