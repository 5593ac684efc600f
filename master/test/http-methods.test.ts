// Methods an endpoint does not take, OPTIONS, and unknown /api paths, against a real master: each answered in the
// API's shape, with the methods it does take.
import { afterEach, describe, expect, it } from 'vitest';
import { startTestMaster, type TestMaster } from '../../test/support/test-master.ts';

describe('methods', () => {
  let master: TestMaster;
  afterEach(async () => {
    await master?.close();
  });

  it.each([
    ['PUT', '/api/jobs', 'POST, GET, DELETE, HEAD, OPTIONS'],
    ['PATCH', '/api/jobs/some-id', 'GET, DELETE, HEAD, OPTIONS'],
    ['POST', '/api/health', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/api/workers', 'GET, HEAD, OPTIONS'],
  ])('%s %s answers 405 method-not-allowed with Allow: %s', async (method, path, allow) => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}${path}`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('method-not-allowed');
  });

  it.each([
    ['/api/jobs', 'POST, GET, DELETE, HEAD, OPTIONS'],
    ['/api/jobs/some-id/retry', 'POST, OPTIONS'],
    ['/api/health', 'GET, HEAD, OPTIONS'],
  ])('OPTIONS %s answers 204 with Allow: %s and no body', async (path, allow) => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}${path}`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe(allow);
    expect(await response.text()).toBe('');
  });

  it('a known /api path in another case is answered as in lower case: Express routes it so', async () => {
    master = await startTestMaster();
    const options = await fetch(`${master.url}/API/JOBS`, { method: 'OPTIONS' });
    // Before, Express's own answer: 200, text/plain "DELETE, GET, HEAD, POST".
    expect([options.status, options.headers.get('allow'), await options.text()]).toEqual([204, 'POST, GET, DELETE, HEAD, OPTIONS', '']);
    const put = await fetch(`${master.url}/Api/Jobs`, { method: 'PUT' });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'POST, GET, DELETE, HEAD, OPTIONS']);
  });

  it("OPTIONS on an unknown /api path is 404 in the API's shape", async () => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}/api/nothing-here`, { method: 'OPTIONS' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('not-found');
  });

  it('an unknown /api path stays 404 and names the whole path', async () => {
    master = await startTestMaster();
    const response = await fetch(`${master.url}/api/jobs/a/b/c`, { method: 'PUT' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe('no such endpoint: PUT /api/jobs/a/b/c');
  });
});
