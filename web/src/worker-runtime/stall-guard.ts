// A fetch for the model's files that gives up once nothing arrives for a while. TF.js fetches them with no limit, and a
// download on a connection lost without a close (a host gone, a NAT entry dropped) would hold the page in 'loading'
// for good; a whole-download limit would instead fail a slow link that is still making progress.

/** A model download that receives nothing for this long is given up, said, and tried again with backoff. */
export const MODEL_STALL_MS = 30_000;

/** `fetch`, but aborted whenever `stallMs` pass without a response or a byte of its body. */
export function stallGuardedFetch(stallMs: number = MODEL_STALL_MS): typeof fetch {
  return async (input, init) => {
    const aborter = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const rearm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => aborter.abort(new Error(`the model download received nothing for ${stallMs / 1000} s`)), stallMs);
    };
    rearm();
    const signal = init?.signal ? AbortSignal.any([init.signal, aborter.signal]) : aborter.signal;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal });
    } catch (error) {
      clearTimeout(timer);
      throw aborter.signal.aborted ? aborter.signal.reason : error;
    }
    if (!response.body) {
      clearTimeout(timer);
      return response;
    }
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          rearm();
          controller.enqueue(chunk);
        },
        flush: () => clearTimeout(timer),
      }),
    );
    const { status, statusText, headers } = response;
    return new Response(body, { status, statusText, headers });
  };
}
