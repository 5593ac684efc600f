import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEventSource } from './fake-event-source.ts';

/** A master whose POST /api/owner answers `status` (201 with a new key, 200 for a browser that has one); other requests find nothing. */
function masterAnsweringOwner(status: 200 | 201) {
  vi.stubGlobal('fetch', async (path: string) => {
    if (path === '/api/owner') return Response.json(status === 201 ? { owner: 'anon-x', ownerKey: 'k'.repeat(43) } : { owner: 'anon-x' }, { status });
    return Response.json({ jobs: [], nextCursor: null });
  });
}

/** The tab's own feed and owner claim, fresh for each test. */
async function tab() {
  vi.resetModules();
  const { jobFeed } = await import('../src/state/job-feed.ts');
  const { ownerClaimed } = await import('../src/state/owner-claim.ts');
  return { jobFeed, ownerClaimed };
}

beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

afterEach(() => vi.unstubAllGlobals());

describe('claiming an owner', () => {
  it('reopens the live stream once the master gives this browser its owner key', async () => {
    masterAnsweringOwner(201);
    const { jobFeed, ownerClaimed } = await tab();
    const stop = jobFeed.subscribe(() => {});
    FakeEventSource.all[0]!.open();
    await ownerClaimed();
    expect(FakeEventSource.all).toHaveLength(2);
    expect(FakeEventSource.all[0]!.readyState).toBe(FakeEventSource.CLOSED);
    stop();
  });

  it('keeps the stream when the browser already had its key', async () => {
    masterAnsweringOwner(200);
    const { jobFeed, ownerClaimed } = await tab();
    const stop = jobFeed.subscribe(() => {});
    await ownerClaimed();
    expect(FakeEventSource.all).toHaveLength(1);
    stop();
  });
});
