// The study's loss rates, one after another. What is finished is saved after
// each round, so a later failure or a Ctrl-C keeps the rounds done so far; an
// abort stops the round in progress at once.

/** One run of a loss rate: with --repeats, each rate is run `repeat` 1, 2, … in a row. */
export interface StudyRound {
  loss: number;
  repeat: number;
}

export interface Rounds<Round> {
  rounds: readonly StudyRound[];
  measure: (loss: number, round: number) => Promise<Round>;
  /** Called with every round finished so far, after each one. */
  save: (done: readonly Round[]) => Promise<unknown>;
  signal?: AbortSignal | undefined;
  /** Where `save` writes: a round that fails says so, and which rounds are there. */
  savedIn: string;
}

export async function runRounds<Round>({ rounds, measure, save, signal, savedIn }: Rounds<Round>): Promise<Round[]> {
  const done: Round[] = [];
  for (const [round, { loss }] of rounds.entries()) {
    signal?.throwIfAborted();
    try {
      done.push(await untilAborted(measure(loss, round), signal));
    } catch (error) {
      // An abort's reason already says where the results are (metrics/main.ts).
      throw signal?.aborted ? error : roundFailed(error, rounds, round, savedIn);
    }
    await save(done);
  }
  return done;
}

/** Each loss rate `repeats` times in a row (--repeats), each run of it numbered from 1: the study's rounds, in order. */
export function repeatedRounds(losses: readonly number[], repeats: number): StudyRound[] {
  return losses.flatMap((loss) => Array.from({ length: repeats }, (_, i) => ({ loss, repeat: i + 1 })));
}

/**
 * What config.json says of the rounds after `finished` of them: each a rate and which run of it, as measuredLoss names
 * them (with --repeats a rate alone could be any of its runs).
 */
export function roundsState(planned: readonly StudyRound[], finished: number) {
  return { complete: finished === planned.length, lossesFinished: planned.slice(0, finished), lossesNotRun: planned.slice(finished) };
}

/** A round as a reader names it: the loss rate, and with --repeats which run of it ("0.2 run 2 of 3"). */
function roundName({ loss, repeat }: StudyRound, rounds: readonly StudyRound[]): string {
  const repeats = Math.max(...rounds.map((round) => round.repeat));
  return repeats > 1 ? `${loss} run ${repeat} of ${repeats}` : `${loss}`;
}

/** A failed round's error, saying which rounds are saved and where, so nobody reruns those. */
function roundFailed(error: unknown, rounds: readonly StudyRound[], failed: number, savedIn: string): Error {
  const why = error instanceof Error ? error.message : String(error);
  const finished = rounds.slice(0, failed).map((round) => roundName(round, rounds));
  const kept = finished.length ? `the loss rates finished (${finished.join(', ')}) are in ${savedIn}` : 'no loss rate had finished: nothing was written';
  return new Error(`loss rate ${roundName(rounds[failed]!, rounds)} failed: ${why}; ${kept}`, { cause: error });
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
