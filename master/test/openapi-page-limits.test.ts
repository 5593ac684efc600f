// The API description a master serves (/api/openapi.json) states the page sizes that master takes: a client built
// from it (a generated client, a validator) must neither send a limit the master refuses nor hold back from one it
// takes. A real master with MAX_JOBS_PAGE, MAX_WORKERS_PAGE and MAX_LEADERBOARD_PAGE set away from their defaults.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

type Parameter = { name: string; in: string; schema: { maximum?: number; default?: number } };
type Doc = { paths: Record<string, { get: { parameters: Parameter[] } }> };

const limitOf = (doc: Doc, path: string) => doc.paths[path]!.get.parameters.find((p) => p.in === 'query' && p.name === 'limit')!.schema;

describe("a master's API description", () => {
  let master: TestMaster | null = null;
  afterEach(async () => {
    await master?.close();
    master = null;
  });

  it('states the largest page, and the page given when none is asked for, that this master takes', async () => {
    master = await startTestMaster({ maxJobsPage: 20, maxWorkersPage: 1_000, maxLeaderboardPage: 7 });
    const doc = (await (await fetch(`${master.url}/api/openapi.json`)).json()) as Doc;

    expect(limitOf(doc, '/api/jobs')).toMatchObject({ maximum: 20, default: 20 });
    expect(limitOf(doc, '/api/workers')).toMatchObject({ maximum: 1_000, default: 50 });
    expect(limitOf(doc, '/api/volunteers')).toMatchObject({ maximum: 7 });
    // What the description says is what the master does.
    const status = async (path: string) => (await fetch(`${master!.url}${path}`)).status;
    expect([await status('/api/jobs?limit=20'), await status('/api/jobs?limit=21')]).toEqual([200, 400]);
    expect([await status('/api/workers?limit=1000'), await status('/api/workers?limit=1001')]).toEqual([200, 400]);
    expect([await status('/api/volunteers?limit=7'), await status('/api/volunteers?limit=8')]).toEqual([200, 400]);
  });
});
