// Closing a worker socket the master has given up on. The close frame says why; a peer that never answers it (ws
// would wait 30 s, reading and handling all the while) is cut off after a second, so what it held is requeued at once.
import type { WebSocket } from 'ws';

export const CLOSE_GRACE_MS = 1_000;

export function hangUp(socket: WebSocket, code: number, reason: string): void {
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}
