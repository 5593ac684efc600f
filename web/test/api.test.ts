import { afterEach, describe, expect, it, vi } from 'vitest';
import { API_TIMEOUT_MS, ApiError, claimOwner, clearJobs, deleteJob, errorFrom, listJobs, retryJob } from '../src/api.ts';

afterEach(() => vi.unstubAllGlobals());

describe('errorFrom', () => {
  it("uses the master's own message and code", async () => {
    const response = new Response(JSON.stringify({ error: { code: 'not-an-image', message: 'cat.txt is not an image' } }), {
      status: 415,
    });
    const error = await errorFrom(response);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ message: 'cat.txt is not an image', status: 415, code: 'not-an-image' });
  });

  it('keeps how long the master asked us to wait', async () => {
    const body = JSON.stringify({ error: { code: 'queue-full', message: 'the queue is full' } });
    expect(await errorFrom(new Response(body, { status: 503, headers: { 'Retry-After': '5' } }))).toMatchObject({ status: 503, retryAfterMs: 5000 });
    expect(await errorFrom(new Response(body, { status: 503 }))).toMatchObject({ retryAfterMs: null });
  });

  it('falls back to the status line when the body is not an API error', async () => {
    const error = await errorFrom(new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(error).toMatchObject({ message: '502 Bad Gateway', status: 502 });
  });
});

describe('requests', () => {
  it('builds the job query string', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ jobs: [], nextCursor: null })));
    vi.stubGlobal('fetch', fetch);
    await listJobs({ status: 'failed', limit: 10 });
    expect(fetch).toHaveBeenCalledWith('/api/jobs?status=failed&limit=10', expect.anything());
  });

  it('reports an unreachable master as such', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(listJobs()).rejects.toMatchObject({ status: 0, code: 'unreachable' });
  });

  it('gives up on a request unanswered for API_TIMEOUT_MS, headers or body, as the master out of reach', async () => {
    vi.useFakeTimers();
    try {
      const aborted = (signal: AbortSignal) =>
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
      // No answer at all, as on a connection that died without a close.
      vi.stubGlobal('fetch', (_path: string, init: RequestInit) => aborted(init.signal!));
      const silent = listJobs().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(API_TIMEOUT_MS - 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(await silent).toMatchObject({ status: 0, code: 'unreachable', message: `the master did not answer within ${API_TIMEOUT_MS / 1000} s` });
      // Headers, then a body that stops half-way.
      vi.stubGlobal('fetch', async (_path: string, init: RequestInit) => {
        const body = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"jobs": ['));
            void aborted(init.signal!).catch((error: unknown) => controller.error(error));
          },
        });
        return new Response(body, { headers: { 'content-type': 'application/json' } });
      });
      const cut = listJobs().catch((error: unknown) => error);
      await vi.advanceTimersByTimeAsync(API_TIMEOUT_MS);
      expect(await cut).toMatchObject({ status: 0, code: 'unreachable' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends the admin token to clear all jobs', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ deleted: 3 })));
    vi.stubGlobal('fetch', fetch);
    await expect(clearJobs('s3cret-token')).resolves.toEqual({ deleted: 3 });
    expect(fetch).toHaveBeenCalledWith(
      '/api/jobs',
      expect.objectContaining({ method: 'DELETE', headers: expect.objectContaining({ authorization: 'Bearer s3cret-token' }) }),
    );
  });

  it("retries with the browser's own cookie, or with the admin token when given", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: 'a', status: 'queued' })));
    vi.stubGlobal('fetch', fetch);
    await retryJob('a');
    expect(fetch).toHaveBeenLastCalledWith('/api/jobs/a/retry', expect.objectContaining({ method: 'POST', headers: { accept: 'application/json' } }));
    await retryJob('a', 's3cret-token');
    expect(fetch).toHaveBeenLastCalledWith(
      '/api/jobs/a/retry',
      expect.objectContaining({ headers: expect.objectContaining({ authorization: 'Bearer s3cret-token' }) }),
    );
  });

  it('claims an owner for the uploads with POST /api/owner', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ owner: 'anon-x' }), { status: 201 }));
    vi.stubGlobal('fetch', fetch);
    await expect(claimOwner()).resolves.toEqual({ owner: 'anon-x' });
    expect(fetch).toHaveBeenCalledWith('/api/owner', expect.objectContaining({ method: 'POST' }));
  });

  it('accepts a 204 with no body', async () => {
    vi.stubGlobal('fetch', async () => new Response(null, { status: 204 }));
    await expect(deleteJob('a')).resolves.toBeUndefined();
  });
});
