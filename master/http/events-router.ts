// /api/events: live job and worker changes as Server-Sent Events (no polling);
// job events name their transition (master/lifecycle/job-events.ts).
import { Router } from 'express';
import type { LiveEvent } from '../api-types.ts';
import type { LiveEvents } from '../events/live-events.ts';
import type { WorkerRegistry } from '../hub/worker-registry.ts';

const KEEPALIVE_MS = 15_000;

export function eventsRouter(events: LiveEvents, workers: WorkerRegistry): Router {
  const router = Router();
  router.get('/', (req, res) => {
    res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.flushHeaders();
    const send = (event: LiveEvent) => res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    send({ type: 'workers', workers: workers.views() });
    const unsubscribe = events.subscribeBoard(send);
    // Comments keep proxies from closing an idle stream.
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    req.on('close', () => {
      clearInterval(keepalive);
      unsubscribe();
    });
  });
  return router;
}
