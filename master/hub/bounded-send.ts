// Every frame the master sends a worker goes through here (MAX_WORKER_SEND_BUFFER_BYTES). A client that stops reading
// its TCP socket leaves what it is sent in the master's memory once the kernel's buffers are full; a socket whose
// unread bytes passed the bound is hung up on instead of sent more, and what it held goes back to the queue as on any
// close. The frames of the jobs it holds are owed to it (its credit asked for them, and a worker still taking several
// of the largest images reads as it should), so only what is unread beyond them counts against the bound.
import type { WebSocket } from 'ws';
import { hangUp } from './hang-up.ts';

export type SendFrame = (frame: string | Uint8Array) => void;

/**
 * Sends to `socket` while it is open and has taken all but `maxUnreadBytes` beyond the `owedBytes()` of the job frames
 * it holds; past that, hangs up and calls `onOverflow` once.
 */
export function boundedSend(socket: WebSocket, maxUnreadBytes: number, owedBytes: () => number, onOverflow: () => void): SendFrame {
  return (frame) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxUnreadBytes + owedBytes()) {
      onOverflow();
      hangUp(socket, 1008, 'too many bytes unread');
      return;
    }
    socket.send(frame);
  };
}
