// The answers each connection has begun and not finished, in the order its requests came: HTTP/1.1 sends them in
// that order, so an answer queued behind another gets the socket only once those before it are done. What bounds
// them: at most MAX_PIPELINED_REQUESTS at once, nothing behind an event stream (which never ends), and every queued
// answer closed with its connection, which Node itself never does (the holds such an answer took would be kept for
// ever: an upload's slot and files, an image's bytes, an event stream's place).
import type http from 'node:http';
import type net from 'node:net';

const inProgress = new WeakMap<net.Socket, Set<http.ServerResponse>>();
/** Connections given to an event stream. */
const streaming = new WeakSet<net.Socket>();

/** The answers a connection has begun and not finished, oldest first. */
export const answersOn = (socket: net.Socket): readonly http.ServerResponse[] => [...(inProgress.get(socket) ?? [])];

/**
 * Counts each connection's answers in progress and, ahead of the app, closes the connection at a request past
 * MAX_PIPELINED_REQUESTS of them or behind an event stream, without running it. Any answer to it, a refusal too, would
 * queue behind the others for as long as they take (for ever behind a stream), and Node goes on reading the requests
 * that came in the same packets, thousands, each one more queued answer.
 */
export function answerInTurn(server: http.Server, maxPipelinedRequests: number): void {
  const [app] = server.listeners('request') as ((req: http.IncomingMessage, res: http.ServerResponse) => void)[];
  if (!app) throw new Error('answerInTurn needs a server with its app');
  server.removeListener('request', app);
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    let responses = inProgress.get(socket);
    if (!responses) {
      responses = new Set();
      inProgress.set(socket, responses);
      socket.once('close', () => closeQueued(responses!));
    }
    if (streaming.has(socket) || responses.size >= maxPipelinedRequests) return void socket.destroy();
    responses.add(res);
    const done = () => responses.delete(res);
    res.once('finish', done).once('close', done);
    app.call(server, req, res);
  });
}

/**
 * Gives `res`'s connection to an event stream, an answer that never ends: false, and the connection closed, unless it
 * is the connection's only answer in progress. Requests behind it could never be answered; one before it still being
 * sent would lose the stall rule (a stream's connection has no timeout) and hold the stream, with no socket yet, where
 * dropping it closes nothing. A browser never sends a request before the answers before it are done.
 */
export function takeForStream(res: http.ServerResponse): boolean {
  const socket = res.req.socket;
  if (answersOn(socket).some((answer) => answer !== res)) {
    socket.destroy();
    return false;
  }
  streaming.add(socket);
  // A stream is quiet between events; a board behind it is dropped by its own rule (EVENT_STREAM_STALL_MS).
  socket.setTimeout(0);
  return true;
}

/**
 * A connection closed while answers were queued behind the one sending: Node drops them without their 'close', which
 * is what gives back what they hold (hold-until-closed.ts). They are cut off as the one sending was.
 */
function closeQueued(responses: Set<http.ServerResponse>): void {
  for (const res of responses) {
    if (res.socket) continue; // the one sending: Node closes it
    res.destroy();
    res.emit('close');
  }
}
