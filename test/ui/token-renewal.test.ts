// The worker page in real Chromium keeps the fresh token a master sends over a long connection: a page connected a
// quarter of IDENTITY_TOKEN_MAX_AGE_MS (here 2 s of 8) is sent one with a heartbeat and stores it, on the same socket,
// so a tab that never reconnects never holds an expired token.
import { describe, expect, it } from 'vitest';
import type { WorkerView } from '../../master/api-types.ts';
import { tokenParts, type WorkerIdentity } from '../../master/protocol.ts';
import { until } from '../support/jobs-client.ts';
import { useUiHarness } from '../support/ui-harness.ts';

const ui = useUiHarness({ master: { identityTokenMaxAgeMs: 8_000, heartbeatMs: 1_000 } });

describe('a worker page connected longer than a quarter of the token max age', () => {
  it('keeps the fresh token sent with a heartbeat, on the same connection', async () => {
    const { page } = await ui.open('/worker?autostart=1&name=long-tab');
    const kept = () => page.evaluate(() => JSON.parse(localStorage.getItem('grid-worker-identity') ?? 'null') as WorkerIdentity | null);
    const listed = async () =>
      ((await fetch(`${ui.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] }).workers.find((worker) => worker.name === 'long-tab');
    await until(async () => (await listed()) !== undefined && (await kept()) !== null, 'the page connected, its identity kept', 90_000);
    const [connection, welcomed] = [(await listed())!, (await kept())!];

    await until(async () => (await kept())!.token !== welcomed.token, 'the renewed token kept', 30_000);
    const renewed = (await kept())!;
    expect(renewed.workerId).toBe(welcomed.workerId);
    expect(tokenParts(renewed.token)!.issuedAt).toBeGreaterThan(tokenParts(welcomed.token)!.issuedAt);
    // Sent over the socket it was welcomed on, not brought by a reconnect's welcome.
    expect((await listed())?.id).toBe(connection.id);
  });
});
