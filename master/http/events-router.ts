// /api/events: live job and worker changes as Server-Sent Events (no polling);
// job events name their transition (master/lifecycle/job-events.ts), and the
// stream's backpressure and catch-up live in events/board-streams.ts.
import { Router } from 'express';
import type { BoardStreams } from '../events/board-streams.ts';
import { HttpError } from './errors.ts';

export function eventsRouter(boards: BoardStreams): Router {
  const router = Router();
  router.get('/', (req, res) => {
    if (boards.full)
      throw new HttpError(503, 'too-many-event-streams', 'this master has as many live boards as it serves; try again shortly', { 'Retry-After': '10' });
    res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.flushHeaders();
    boards.open(res, req.get('Last-Event-ID'));
  });
  return router;
}
