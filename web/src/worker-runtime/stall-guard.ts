// A fetch for the model's files that gives up once nothing arrives for a while. TF.js fetches them with no limit, and a
// download on a connection lost without a close (a host gone, a NAT entry dropped) would hold the page in 'loading'
// for good; a whole-download limit would instead fail a slow link that is still making progress.
//
// The files of one download are watched together, not each on its own: TF.js asks for every weight file at once, and
// over HTTP/1.1 a browser opens at most six connections to a host, so with more files than that the rest wait,
// receiving nothing, until one of the first six is done; a slow link can keep them waiting longer than the limit while
// the download as a whole makes steady progress. And TF.js reads no body until every file has answered, so each body
// is read here as it arrives: bytes left unread in the browser would not be seen as progress.

/** A model download that receives nothing for this long is given up, said, and tried again with backoff. */
export const MODEL_STALL_MS = 30_000;

/**
 * `fetch` for the files of one model download, all aborted once `stallMs` pass in which none of the files under way
 * received a response or a byte of its body. Each body is read eagerly, as it arrives, whether or not its reader
 * has asked for it yet.
 */
export function stallGuardedFetch(stallMs: number = MODEL_STALL_MS): typeof fetch {
  const underWay = new Set<AbortController>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const giveUp = () => {
    const reason = new Error(`the model download received nothing for ${stallMs / 1000} s`);
    for (const aborter of underWay) aborter.abort(reason);
  };
  /** Something arrived: the download has `stallMs` again from now. */
  const progress = () => {
    clearTimeout(timer);
    timer = underWay.size > 0 ? setTimeout(giveUp, stallMs) : undefined;
  };
  const settled = (aborter: AbortController) => {
    underWay.delete(aborter);
    if (underWay.size === 0) progress();
  };
  return async (input, init) => {
    const aborter = new AbortController();
    underWay.add(aborter);
    // A file asked for while others are under way receives nothing yet: it does not put off their limit.
    if (underWay.size === 1) progress();
    const signal = init?.signal ? AbortSignal.any([init.signal, aborter.signal]) : aborter.signal;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal });
    } catch (error) {
      settled(aborter);
      throw aborter.signal.aborted ? aborter.signal.reason : error;
    }
    if (!response.body) {
      settled(aborter);
      return response;
    }
    progress();
    // No backpressure on the readable side: the body is pulled in as fast as it arrives, each piece counted.
    const body = new TransformStream<Uint8Array, Uint8Array>(
      {
        transform(chunk, controller) {
          progress();
          controller.enqueue(chunk);
        },
      },
      undefined,
      { highWaterMark: Infinity },
    );
    // Ends however the body does: read to the end, aborted (its reader gets the reason), or cancelled by its reader.
    response.body.pipeTo(body.writable).then(
      () => settled(aborter),
      () => settled(aborter),
    );
    const { status, statusText, headers } = response;
    return new Response(body.readable, { status, statusText, headers });
  };
}
