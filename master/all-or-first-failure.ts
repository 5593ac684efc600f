// Waiting on several pieces of work that each touch the disk: every one settles before the first failure is thrown,
// so none still running outlives the caller that gave up on it (and, say, deleted what it was writing).

/** Every value, in order, once all have settled; or the first failure among them. */
export async function allOrFirstFailure<T>(work: (T | Promise<T>)[]): Promise<T[]> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}
