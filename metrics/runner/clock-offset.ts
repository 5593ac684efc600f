// How far the master's clock is from the client's, from the HTTP Date header.
// Measured once per study over the clean link: the offset belongs to the two
// hosts, and probes on a lossy link mostly stall and widen the bound. The
// study's client shares the master's host, so there it is a check that the
// clocks agree, kept in config.json, not a correction (runner/study.ts).
//
// A Date header says only which second the master was in, sometime between
// our send and our receive. Each round trip therefore bounds the offset
// (master − client) to an interval; probes spread over a little more than a
// second catch the tick of the master's second, and the intersection of their
// intervals narrows to about one round trip.

export interface DateProbe {
  /** Client clock, epoch ms, just before the request. */
  sentAt: number;
  /** Client clock, epoch ms, when the answer arrived. */
  receivedAt: number;
  /** The master's Date header, epoch ms (whole seconds). */
  serverSecond: number;
}

export interface ClockOffset {
  /** master − client in ms (the middle of the bound); null when no probe got through or they disagree. */
  offsetMs: number | null;
  /** Half the width of the bound: the true offset is within offsetMs ± this. */
  uncertaintyMs: number | null;
  samples: number;
}

export function offsetFromDateProbes(probes: readonly DateProbe[]): ClockOffset {
  if (probes.length === 0) return { offsetMs: null, uncertaintyMs: null, samples: 0 };
  // The master read its clock at some M in [second, second + 1000) while the client was within [sentAt, receivedAt].
  const low = Math.max(...probes.map((p) => p.serverSecond - p.receivedAt));
  const high = Math.min(...probes.map((p) => p.serverSecond + 1000 - p.sentAt));
  if (low > high) return { offsetMs: null, uncertaintyMs: null, samples: probes.length };
  return { offsetMs: (low + high) / 2, uncertaintyMs: (high - low) / 2, samples: probes.length };
}

export interface OffsetMeasurement {
  probes?: number;
  spacingMs?: number;
  timeoutMs?: number;
  /** Stop probing after this long even if probes are still to go: a lossy link can stall every one. */
  budgetMs?: number;
}

/** Round trips to GET /livez (never rate-limited, and it reads nothing), spaced so that together they straddle a tick of the master's second. */
export async function measureClockOffset(
  masterUrl: string,
  { probes = 100, spacingMs = 12, timeoutMs = 2_000, budgetMs = 5_000 }: OffsetMeasurement = {},
): Promise<ClockOffset> {
  const answered: DateProbe[] = [];
  const deadline = Date.now() + budgetMs;
  for (let i = 0; i < probes && Date.now() < deadline; i++) {
    const sentAt = Date.now();
    try {
      const response = await fetch(new URL('/livez', masterUrl), { signal: AbortSignal.timeout(timeoutMs) });
      const receivedAt = Date.now();
      await response.arrayBuffer();
      const date = response.headers.get('date');
      if (response.ok && date) answered.push({ sentAt, receivedAt, serverSecond: Date.parse(date) });
    } catch {
      // A probe lost to the link says nothing about the clocks; the others still count.
    }
    await new Promise((resolve) => setTimeout(resolve, spacingMs));
  }
  return offsetFromDateProbes(answered);
}
