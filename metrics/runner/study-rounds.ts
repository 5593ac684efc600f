// The study's loss rates, one after another. What is finished is saved after
// each round, so a later failure or a Ctrl-C keeps the rounds done so far; an
// abort stops the round in progress at once.

export interface Rounds<Round> {
  losses: readonly number[];
  measure: (loss: number, round: number) => Promise<Round>;
  /** Called with every round finished so far, after each one. */
  save: (done: readonly Round[]) => Promise<unknown>;
  signal?: AbortSignal | undefined;
  /** Where `save` writes: a round that fails says so, and which rounds are there. */
  savedIn: string;
}

export async function runRounds<Round>({ losses, measure, save, signal, savedIn }: Rounds<Round>): Promise<Round[]> {
  const done: Round[] = [];
  for (const [round, loss] of losses.entries()) {
    signal?.throwIfAborted();
    try {
      done.push(await untilAborted(measure(loss, round), signal));
    } catch (error) {
      // An abort's reason already says where the results are (metrics/main.ts).
      throw signal?.aborted ? error : roundFailed(error, loss, losses.slice(0, round), savedIn);
    }
    await save(done);
  }
  return done;
}

/** Each loss rate `repeats` times in a row (--repeats), each run of it numbered from 1: the study's rounds, in order. */
export function repeatedRounds(losses: readonly number[], repeats: number): { loss: number; repeat: number }[] {
  return losses.flatMap((loss) => Array.from({ length: repeats }, (_, i) => ({ loss, repeat: i + 1 })));
}

/** A failed round's error, saying which rounds are saved and where, so nobody reruns those. */
function roundFailed(error: unknown, loss: number, finished: readonly number[], savedIn: string): Error {
  const why = error instanceof Error ? error.message : String(error);
  const kept = finished.length ? `the loss rates finished (${finished.join(', ')}) are in ${savedIn}` : 'no loss rate had finished: nothing was written';
  return new Error(`loss rate ${loss} failed: ${why}; ${kept}`, { cause: error });
}

/** The work's outcome, or the signal's reason as soon as it is aborted (the work itself is left to the cleanup). */
export function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
