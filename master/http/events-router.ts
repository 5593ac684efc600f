// /api/events: live job and worker changes as Server-Sent Events (no polling);
// job events name their transition (master/lifecycle/job-events.ts), and the
// stream's backpressure and catch-up live in events/board-streams.ts. Streams
// are capped in all (MAX_EVENT_STREAMS) and per client address
// (MAX_EVENT_STREAMS_PER_ADDRESS), so one address cannot take every stream.
import { Router } from 'express';
import type { BoardStreams } from '../events/board-streams.ts';
import { AddressCounts } from './address-counts.ts';
import { takeForStream } from './answers-in-turn.ts';
import { seesCheckCounters } from './check-counters.ts';
import { requestClient } from './client-address.ts';
import { HttpError } from './errors.ts';
import { holdUntilClosed } from './hold-until-closed.ts';
import { maySee, type Board } from './job-access.ts';
import type { Requesters } from './requester.ts';

export function eventsRouter(boards: BoardStreams, requesters: Requesters, board: Board, maxPerAddress: number): Router {
  const router = Router();
  const open = new AddressCounts();
  router.get('/', (req, res) => {
    const requester = requesters.of(req);
    const address = requestClient(req);
    // A client at its own cap hears so first: that one it can do something about.
    if (open.of(address) >= maxPerAddress) {
      throw new HttpError(
        429,
        'too-many-event-streams-from-address',
        `at most ${maxPerAddress} live event streams at once from one address; close a board (a tab) and try again`,
        { 'Retry-After': '10' },
      );
    }
    if (boards.full)
      throw new HttpError(503, 'too-many-event-streams', 'this master has as many live boards as it serves; try again shortly', { 'Retry-After': '10' });
    const headers = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' };
    // HEAD: the headers, and no stream. Node drops what is written to a HEAD answer, so a stream would never end, hold
    // a board's place for nothing and close its connection to the requests behind it.
    if (req.method === 'HEAD') return void res.set(headers).end();
    // A connection carrying a stream can answer nothing behind it: one with requests queued behind it is closed.
    if (!takeForStream(res)) return;
    // A client that left while the request waited (on Redis's request count) gets no stream.
    if (
      !holdUntilClosed(
        res,
        () => open.take(address),
        () => open.release(address),
      )
    )
      return;
    res.set(headers);
    res.flushHeaders();
    // On a private board each stream carries only its requester's job events (the admin's, every one), and
    // workers' credibility and checks passed only to the admin.
    boards.open(res, req.get('Last-Event-ID'), { sees: (owner) => maySee(requester, owner, board), seesTrust: seesCheckCounters(requester, board) });
  });
  return router;
}
