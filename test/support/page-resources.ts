// What a worker page holds, counted from outside it: TF.js tensors, the WebAssembly memory, ImageBitmaps not closed,
// live timers, event listeners, DOM nodes, the JS heap after a full GC and the array buffers outside it, and its
// workers' heaps. The page is instrumented before its scripts run; it can also hold its decodes (to keep a job in
// flight), close its socket and count the cancels it received.
import type { CDPSession, Page } from 'puppeteer-core';

declare global {
  interface Window {
    __resources?: {
      timers(): number;
      openBitmaps(): number;
      wasmBytes(): number[];
      cancels(): number;
      heldDecodes(): number;
      holdDecodes(): void;
      releaseDecodes(): void;
      closeSocket(): void;
    };
  }
}

export interface PageResources {
  tensors: number;
  wasmBytes: number[];
  openBitmaps: number;
  timers: number;
  jsEventListeners: number;
  nodes: number;
  documents: number;
  heapBytes: number;
  /** The bytes of array buffers and external strings, outside the JS heap: a job's image arrives in one. */
  backingBytes: number;
  workerHeapBytes: number[];
  /** Every Web Worker the page runs, the WASM build's threads among them. */
  workers: number;
}

/** Call before the page loads the app. */
export async function instrumentPage(page: Page): Promise<void> {
  await page.evaluateOnNewDocument(() => {
    // Timers set and neither fired nor cleared, and intervals not cleared.
    const live = new Set<number>();
    const setTimer = window.setTimeout;
    const clearTimer = window.clearTimeout;
    window.setTimeout = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const id = setTimer(() => {
        live.delete(id);
        handler(...args);
      }, ms);
      live.add(id);
      return id;
    }) as typeof setTimeout;
    window.clearTimeout = ((id: number) => {
      live.delete(id);
      clearTimer(id);
    }) as typeof clearTimeout;
    // Intervals until cleared (either clear function clears either kind).
    const setRepeating = window.setInterval;
    const clearRepeating = window.clearInterval;
    window.setInterval = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const id = setRepeating(handler, ms, ...args);
      live.add(id);
      return id;
    }) as typeof setInterval;
    window.clearInterval = ((id: number) => {
      live.delete(id);
      clearRepeating(id);
    }) as typeof clearInterval;
    // The WASM backend's memory: Emscripten grows it from JavaScript, which is where it shows.
    const memories: WebAssembly.Memory[] = [];
    const grow = WebAssembly.Memory.prototype.grow;
    WebAssembly.Memory.prototype.grow = function (this: WebAssembly.Memory, delta: number) {
      if (!memories.includes(this)) memories.push(this);
      return grow.call(this, delta);
    };
    // Bitmaps from the decoding worker, against those closed (a closed bitmap is 0 × 0).
    let received = 0;
    let closed = 0;
    const close = ImageBitmap.prototype.close;
    ImageBitmap.prototype.close = function (this: ImageBitmap) {
      if (this.width > 0) closed++;
      close.call(this);
    };
    const held: Array<() => void> = [];
    let holding = false;
    const RealWorker = window.Worker;
    window.Worker = class extends RealWorker {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args);
        this.addEventListener('message', ({ data }: MessageEvent<{ bitmap?: ImageBitmap }>) => {
          if (data?.bitmap) received++;
        });
      }
      override postMessage(...args: [unknown]) {
        if (holding) held.push(() => super.postMessage(...args));
        else super.postMessage(...args);
      }
    };
    /** The latest socket only: an old one kept here would count its listeners against the page. */
    let socket: WebSocket | null = null;
    const track = (latest: WebSocket) => (socket = latest);
    let cancels = 0;
    window.WebSocket = class extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        track(this);
        this.addEventListener('message', ({ data }: MessageEvent) => {
          if (typeof data === 'string' && (JSON.parse(data) as { type: string }).type === 'cancel') cancels++;
        });
      }
    };
    window.__resources = {
      timers: () => live.size,
      openBitmaps: () => received - closed,
      wasmBytes: () => memories.map((memory) => memory.buffer.byteLength),
      cancels: () => cancels,
      heldDecodes: () => held.length,
      holdDecodes: () => (holding = true),
      releaseDecodes: () => {
        holding = false;
        for (const send of held.splice(0)) send();
      },
      closeSocket: () => socket?.close(),
    };
  });
}

/**
 * Counts what the page holds, after a full garbage collection in it and in its image decoder. Not in the threaded WASM
 * build's workers (4 cores or more): idle, they wait blocked and never answer, and their memory is the module's,
 * counted in wasmBytes.
 */
export async function measurePage(page: Page, cdp: CDPSession): Promise<PageResources> {
  await cdp.send('HeapProfiler.collectGarbage');
  const workerHeapBytes: number[] = [];
  for (const worker of page.workers().filter((each) => each.url().includes('image-decoder'))) {
    await worker.client.send('HeapProfiler.collectGarbage');
    workerHeapBytes.push(((await worker.client.send('Runtime.getHeapUsage')) as { usedSize: number }).usedSize);
  }
  const { usedSize: heapBytes, backingStorageSize: backingBytes } = await cdp.send('Runtime.getHeapUsage');
  const { documents, nodes, jsEventListeners } = await cdp.send('Memory.getDOMCounters');
  const inPage = await page.evaluate(() => ({
    tensors: window.__gridTensors!(),
    wasmBytes: window.__resources!.wasmBytes(),
    openBitmaps: window.__resources!.openBitmaps(),
    timers: window.__resources!.timers(),
  }));
  return { ...inPage, jsEventListeners, nodes, documents, heapBytes, backingBytes, workerHeapBytes, workers: page.workers().length };
}
