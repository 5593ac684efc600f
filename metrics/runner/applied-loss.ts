// Whether a lossy link dropped what its loss rate says, judged from the UDP probes (loss-probe.ts). A loss rate's
// figures are reported under the loss asked for: a link that silently dropped nothing (rules gone, a mechanism that
// does not work here) or far more would put them under a loss that was not there.
import type { MeasuredLoss } from './loss-probe.ts';
import { wilsonInterval } from './wilson.ts';

/** A two-sided test at 1 in 100,000: a working link is refused about once in 50,000 loss rates (two ways each). */
const Z = 4.42;

/** Null when each way's drops are consistent with `configured`; otherwise why not, with the counts. */
export function lossNotApplied(configured: number, measured: MeasuredLoss): string | null {
  const sent = measured.packets;
  const forwardDropped = Math.round(measured.forwardLoss * sent);
  // The return way is judged over the probes that reached the echo; with none, it says nothing.
  const arrived = sent - forwardDropped;
  const returnDropped = Number.isFinite(measured.returnLoss) ? Math.round(measured.returnLoss * arrived) : 0;
  const ways = [
    { name: 'forward', dropped: forwardDropped, of: sent },
    { name: 'return', dropped: returnDropped, of: arrived },
  ];
  const off = ways.filter(({ dropped, of }) => {
    if (of === 0) return false;
    const { low, high } = wilsonInterval(dropped, of, Z);
    return configured < low || configured > high;
  });
  if (off.length === 0) return null;
  const counts = ways.map(
    ({ name, dropped, of }) => `${name} ${dropped} of ${of}${name === 'forward' ? ' probes dropped' : ''} (${((100 * dropped) / (of || 1)).toFixed(1)}%)`,
  );
  return `the link did not drop what was asked: asked for ${configured} loss each way, measured ${counts.join(', ')}; wrong way${off.length > 1 ? 's' : ''}: ${off.map((way) => way.name).join(', ')}`;
}
