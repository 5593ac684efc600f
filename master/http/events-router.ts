// /api/events: live job and worker changes as Server-Sent Events (no polling);
// job events name their transition (master/lifecycle/job-events.ts), and the
// stream's backpressure and catch-up live in events/board-streams.ts.
import { Router } from 'express';
import type { BoardStreams } from '../events/board-streams.ts';
import { HttpError } from './errors.ts';
import { maySee, type Board } from './job-access.ts';
import type { Requesters } from './requester.ts';

export function eventsRouter(boards: BoardStreams, requesters: Requesters, board: Board): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const requester = requesters.of(req);
    if (boards.full)
      throw new HttpError(503, 'too-many-event-streams', 'this master has as many live boards as it serves; try again shortly', { 'Retry-After': '10' });
    res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.flushHeaders();
    // On a private board each stream carries only its requester's job events (the admin's, every one).
    boards.open(res, req.get('Last-Event-ID'), (owner) => maySee(requester, owner, board));
  });
  return router;
}
