// The study's loss rates: each finished one is saved before the next starts, so a failure or a Ctrl-C in a later
// round keeps the earlier ones, and an abort stops the round in progress.
import { describe, expect, it } from 'vitest';
import { repeatedRounds, roundsState, runRounds } from '../runner/study-rounds.ts';

describe('study rounds', () => {
  it('run each loss rate as many times as asked, in a row, numbering the repeats from 1', () => {
    expect(repeatedRounds([0, 0.2], 3)).toEqual([
      { loss: 0, repeat: 1 },
      { loss: 0, repeat: 2 },
      { loss: 0, repeat: 3 },
      { loss: 0.2, repeat: 1 },
      { loss: 0.2, repeat: 2 },
      { loss: 0.2, repeat: 3 },
    ]);
    expect(repeatedRounds([0, 0.2], 1)).toEqual([
      { loss: 0, repeat: 1 },
      { loss: 0.2, repeat: 1 },
    ]);
  });

  it('tell config.json which run of each rate finished and which did not run, not only the rate', () => {
    expect(roundsState(repeatedRounds([0, 0.2], 3), 4)).toEqual({
      complete: false,
      lossesFinished: [
        { loss: 0, repeat: 1 },
        { loss: 0, repeat: 2 },
        { loss: 0, repeat: 3 },
        { loss: 0.2, repeat: 1 },
      ],
      lossesNotRun: [
        { loss: 0.2, repeat: 2 },
        { loss: 0.2, repeat: 3 },
      ],
    });
    expect(roundsState(repeatedRounds([0, 0.2], 1), 2)).toEqual({
      complete: true,
      lossesFinished: [
        { loss: 0, repeat: 1 },
        { loss: 0.2, repeat: 1 },
      ],
      lossesNotRun: [],
    });
  });

  it('saves every round finished so far after each one', async () => {
    const saved: number[][] = [];
    const rounds = await runRounds({
      rounds: repeatedRounds([0, 0.2, 0.4], 1),
      measure: async (loss) => loss,
      save: async (done) => saved.push([...done]),
      savedIn: 'results/x',
    });
    expect(rounds).toEqual([0, 0.2, 0.4]);
    expect(saved).toEqual([[0], [0, 0.2], [0, 0.2, 0.4]]);
  });

  it('keeps the rounds saved before a later round fails, and its error says which and where', async () => {
    const saved: number[][] = [];
    const measure = async (loss: number, round: number) => {
      if (round === 2) throw new Error('the upload client died');
      return loss;
    };
    await expect(
      runRounds({ rounds: repeatedRounds([0, 0.2, 0.4], 1), measure, save: async (done) => saved.push([...done]), savedIn: 'results/x' }),
    ).rejects.toThrow('loss rate 0.4 failed: the upload client died; the loss rates finished (0, 0.2) are in results/x');
    expect(saved.at(-1)).toEqual([0, 0.2]);
  });

  it('with --repeats, names the run of each rate that failed and of each one finished', async () => {
    const measure = async (loss: number, round: number) => {
      if (round === 4) throw new Error('the upload client died');
      return loss;
    };
    await expect(runRounds({ rounds: repeatedRounds([0, 0.2], 3), measure, save: async () => {}, savedIn: 'results/x' })).rejects.toThrow(
      'loss rate 0.2 run 2 of 3 failed: the upload client died; the loss rates finished (0 run 1 of 3, 0 run 2 of 3, 0 run 3 of 3, 0.2 run 1 of 3) are in results/x',
    );
  });

  it('says nothing was written when the first round fails', async () => {
    const measure = () => Promise.reject(new Error('no worker connected'));
    await expect(runRounds({ rounds: repeatedRounds([0, 0.2], 1), measure, save: async () => {}, savedIn: 'results/x' })).rejects.toThrow(
      'loss rate 0 failed: no worker connected; no loss rate had finished: nothing was written',
    );
  });

  it('stops the round in progress when aborted, the rounds before it saved', async () => {
    const stop = new AbortController();
    const saved: number[][] = [];
    const measure = (loss: number, round: number) => {
      if (round < 2) return Promise.resolve(loss);
      stop.abort(new Error('stopped by SIGINT'));
      return new Promise<number>(() => {}); // a round that would never end on its own
    };
    await expect(
      runRounds({
        rounds: repeatedRounds([0, 0.2, 0.4, 0.6], 1),
        measure,
        save: async (done) => saved.push([...done]),
        signal: stop.signal,
        savedIn: 'results/x',
      }),
    ).rejects.toThrow('stopped by SIGINT');
    expect(saved).toEqual([[0], [0, 0.2]]);
  });

  it('starts no round once aborted', async () => {
    const stop = new AbortController();
    stop.abort(new Error('stopped by SIGTERM'));
    const started: number[] = [];
    const measure = async (loss: number) => started.push(loss);
    await expect(runRounds({ rounds: repeatedRounds([0], 1), measure, save: async () => {}, signal: stop.signal, savedIn: 'results/x' })).rejects.toThrow(
      'stopped by SIGTERM',
    );
    expect(started).toEqual([]);
  });
});
