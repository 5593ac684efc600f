// A volunteer flipping its display name as fast as the message rate allows, against a real master: the ledger is
// written at once, then at most once per DISPLAY_NAME_WRITE_INTERVAL_MS per identity with the newest name, and never
// while the last write is unfinished, so neither a fast nor a slow ledger pays a write per message.
import { expect, it, vi } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import type { SyntheticWorker } from '../../metrics/synthetic-worker.ts';

const grid = useSyntheticGrid();
const FLIPS = 200;

/** Sends FLIPS names, Ada and Bob in turn, then `last`, and waits until the master handled them all. */
async function flipNames(volunteer: SyntheticWorker, last: string): Promise<void> {
  const creditChanges = vi.spyOn(grid.master.lifecycle, 'creditChanged');
  for (let i = 0; i < FLIPS; i++) volunteer.send({ type: 'profile', displayName: i % 2 === 0 ? 'Ada' : 'Bob' });
  volunteer.send({ type: 'profile', displayName: last });
  // Handled in order: once this one is, so are all before it.
  volunteer.send({ type: 'credit', credit: 2 });
  await until(() => creditChanges.mock.calls.length === 1, 'every name handled');
}

it('writes a flipping name once within DISPLAY_NAME_WRITE_INTERVAL_MS', async () => {
  await grid.start({ displayNameWriteIntervalMs: 3_600_000 });
  const writes = vi.spyOn(grid.master.ledger, 'setDisplayName');
  const volunteer = await grid.connect({ name: 'flipper', credit: 1 });
  await flipNames(volunteer, 'Cy');
  expect(writes.mock.calls).toEqual([[volunteer.welcome.identity.workerId, 'Ada']]);
});

it('writes only the newest name once a slow write ends, not one write per name meanwhile', async () => {
  await grid.start({ displayNameWriteIntervalMs: 1 });
  let finishWrite!: () => void;
  const ledgerSlow = new Promise<void>((resolve) => (finishWrite = resolve));
  const setDisplayName = grid.master.ledger.setDisplayName.bind(grid.master.ledger);
  const writes = vi.spyOn(grid.master.ledger, 'setDisplayName').mockImplementation(async (...args) => {
    await ledgerSlow;
    return setDisplayName(...args);
  });
  const volunteer = await grid.connect({ name: 'flipper', credit: 1 });
  await flipNames(volunteer, 'Cy');
  expect(writes).toHaveBeenCalledTimes(1);

  finishWrite();
  await until(() => writes.mock.calls.length === 2, 'the newest name written');
  expect(writes.mock.calls.map(([, name]) => name)).toEqual(['Ada', 'Cy']);
});
