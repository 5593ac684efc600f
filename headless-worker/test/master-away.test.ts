// A fleet whose master goes away while its workers are ready, in real Chromium (/usr/bin/chromium or CHROMIUM_PATH)
// against a real master: the pages keep trying with their own backoff, and the fleet keeps its browsers (a new one
// would find no master either) and logs why they are not ready, not only that they are not (found by audit: the log said
// "state ready -> connecting" and nothing more, so an operator could not tell a master gone from one being slow).
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { startFleet } from '../fleet.ts';
import { until } from '../../test/support/jobs-client.ts';
import { startTestMaster } from '../../test/support/test-master.ts';

it('keeps its browsers while the master is away, and its log says why they are not ready', async () => {
  const logLines: { msg: string }[] = [];
  const master = await startTestMaster();
  let masterClosed = false;
  const fleet = startFleet({
    masterUrl: master.url,
    workers: 1,
    namePrefix: `away${process.pid}`,
    logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as { msg: string }) }),
    pollIntervalMs: 200,
  });
  try {
    await fleet.waitUntilReady(90_000);
    await master.close();
    masterClosed = true;
    await until(() => logLines.some((line) => line.msg.startsWith('state ready -> ')), 'the page to notice', 30_000);
    expect(logLines.find((line) => line.msg.startsWith('state ready -> '))?.msg).toBe('state ready -> connecting: no connection to the master');
    expect(fleet.workers[0]!.status()).toMatchObject({ state: 'connecting', restarts: 0, lastError: 'no connection to the master' });
  } finally {
    await fleet.stop();
    if (!masterClosed) await master.close();
  }
}, 180_000);
