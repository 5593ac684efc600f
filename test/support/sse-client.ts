// A board's side of GET /api/events over node:http, so a test can stop reading
// (pause: the socket's buffers fill as a stalled browser's would) and go on.
import http from 'node:http';

export interface SseFrame {
  id: string | undefined;
  name: string;
  data: unknown;
}

export class SseClient {
  /** What the stream carried, keepalives apart. */
  readonly frames: SseFrame[] = [];
  /** The keepalive events heard (the stream opens with one), kept apart: they carry no news. */
  readonly keepalives: SseFrame[] = [];
  /** The reconnection wait the master asked for (`retry:`), once it has. */
  retryMs: number | undefined;
  /** The id a browser would reconnect with: the last `id:` heard, in a frame with data or not. */
  lastEventId: string | undefined;
  /** Resolves when the master ends the stream (or drops it). */
  readonly ended: Promise<void>;
  private buffer = '';

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    private readonly response: http.IncomingMessage,
    private readonly request: http.ClientRequest,
  ) {
    this.ended = new Promise((resolve) => {
      response.on('end', resolve);
      response.on('close', resolve);
      response.on('error', () => resolve());
    });
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.take(chunk));
  }

  /**
   * Opens the stream; `paused` reads nothing until resume(); `headers` carry credentials (Authorization or Cookie);
   * `localAddress` is the loopback address it comes from (Linux answers on all of 127/8), for per-address limits.
   */
  static open(
    masterUrl: string,
    options: { lastEventId?: string; paused?: boolean; headers?: Record<string, string>; localAddress?: string } = {},
  ): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const headers = { ...options.headers, ...(options.lastEventId !== undefined && { 'Last-Event-ID': options.lastEventId }) };
      const request = http.get(`${masterUrl}/api/events`, { headers, localAddress: options.localAddress }, (response) => {
        if (options.paused) response.pause();
        resolve(new SseClient(response.statusCode ?? 0, response.headers, response, request));
      });
      request.on('error', reject);
    });
  }

  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  close(): void {
    this.request.destroy();
  }

  /** The body of a response that is not a stream (an error), once it has arrived. */
  async body(): Promise<unknown> {
    await this.ended;
    return JSON.parse(this.buffer);
  }

  framesNamed(name: string): SseFrame[] {
    return this.frames.filter((frame) => frame.name === name);
  }

  private take(chunk: string): void {
    // A frame megabytes long comes in many chunks; scanning all that came so far at each one would take minutes.
    const mayEndFrame = chunk.includes('\n\n') || (chunk.startsWith('\n') && this.buffer.endsWith('\n'));
    this.buffer += chunk;
    if (this.status !== 200 || !mayEndFrame) return;
    let end;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const text = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const name = /^event: (.*)$/m.exec(text)?.[1];
      const data = /^data: (.*)$/m.exec(text)?.[1];
      const id = /^id: (.*)$/m.exec(text)?.[1];
      const retry = /^retry: (\d+)$/m.exec(text)?.[1];
      this.lastEventId = id ?? this.lastEventId;
      if (retry) this.retryMs = Number(retry);
      if (name && data) (name === 'keepalive' ? this.keepalives : this.frames).push({ id, name, data: JSON.parse(data) });
    }
  }
}
