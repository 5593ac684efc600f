// A worker socket's handshake that ws will not take (no Sec-WebSocket-Key, another protocol version, a POST): ws
// answers it in plain text unless told otherwise; the master refuses it in the API's error shape, as every refusal.
import type { WebSocketServer } from 'ws';
import { rawRefusal, refuseOnSocket } from '../http/raw-refusal.ts';

export function answerBadHandshakes(wss: WebSocketServer): void {
  wss.on('wsClientError', (error, socket, request) => {
    const refusal =
      request.method === 'GET'
        ? rawRefusal(400, 'bad-websocket-handshake', `not a WebSocket handshake: ${error.message}`, { 'Sec-WebSocket-Version': '13, 8' })
        : rawRefusal(405, 'method-not-allowed', 'a WebSocket is opened with GET', { Allow: 'GET' });
    refuseOnSocket(socket, refusal);
  });
}
