// A volunteer caught lying has every job that rested on its word reopened (volunteer-trust.ts backtrack), however many
// it answered: the walk goes in steps of at most RETENTION_BATCH jobs, each told as it commits, the event loop free
// between them. Gathered whole, an identity that answered many jobs honestly before one lie would cost the master
// memory and one long synchronous step in proportion, and every board all those events in one message.
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { submit, until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';

const ADMIN_TOKEN = 'admin-token-of-the-backtracking-test';
const grid = useSyntheticGrid();

it('reopens the jobs of a blacklisted identity a step of RETENTION_BATCH at a time', async () => {
  const batch = 4;
  const master = await grid.start({ adminToken: ADMIN_TOKEN, retentionBatch: batch });
  const tiny = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 9, g: 90, b: 200 } } })
    .jpeg()
    .toBuffer();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++)
    ids.push(
      ...(await submit(
        master.url,
        Array.from({ length: 10 }, (_, j) => ({ name: `t${i}-${j}.jpg`, bytes: tiny })),
        grid.owner,
      )),
    );
  // One volunteer answers them all (on a test master one volunteer's answer settles a job, verified).
  const liar = await grid.connect({ name: 'liar', credit: 8, onJob: (job, self) => self.succeed(job.header, 3) });
  await until(() => master.lifecycle.counters.transitions.completed >= ids.length, 'every job done on its word');
  liar.terminate();

  // How many reopenings are told in one turn of the event loop (what the relay sends as one message, boards at once).
  let thisTurn = 0;
  let most = 0;
  let reset: NodeJS.Immediate | null = null;
  master.events.subscribe((event) => {
    if (event.type !== 'job' || event.transition !== 'reopened') return;
    most = Math.max(most, ++thisTurn);
    reset ??= setImmediate(() => {
      thisTurn = 0;
      reset = null;
    });
  });
  // Its blacklisting (the admin's revoke stands in for a failed spot check).
  const revoked = await fetch(`${master.url}/api/workers/${liar.welcome.identity.workerId}/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  expect(revoked.status).toBe(200);
  await until(() => master.lifecycle.counters.transitions.reopened >= ids.length, 'every job reopened');
  expect(master.lifecycle.counters.transitions.reopened).toBe(ids.length);
  expect(most).toBeGreaterThan(0);
  expect(most).toBeLessThanOrEqual(batch);
});
