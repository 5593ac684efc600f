// What masters sharing Redis publish on their events channel, checked as it arrives: anything that can PUBLISH
// there (a master of another version, a stray script) must not make a master act on a shape it does not know.
import { z } from 'zod';
import { JobDeletedEvent, JobEvent } from '../api-types.ts';

const RelayedEvent = z.discriminatedUnion('type', [JobEvent, JobDeletedEvent]);
const BlacklistNotice = z.object({ workerId: z.string(), reason: z.string() });

export const Envelope = z.object({
  origin: z.string(),
  events: z.array(RelayedEvent),
  /** Only when there are some; never from a master before blacklistings were relayed (a rolling upgrade has both). */
  blacklistings: z.array(BlacklistNotice).optional(),
});
export type Envelope = z.infer<typeof Envelope>;

/** What a master before batching published: one event a message (a rolling upgrade has both). */
const SingleEventEnvelope = z.object({ origin: z.string(), event: RelayedEvent });

const AnyEnvelope = z.union([Envelope, SingleEventEnvelope]);

/** A message read as the envelope of today's masters, or why it is none. */
export function readEnvelope(raw: string): { envelope: Envelope } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { problem: 'not JSON' };
  }
  const read = AnyEnvelope.safeParse(json);
  if (!read.success) return { problem: z.prettifyError(read.error).slice(0, 500) };
  const envelope = read.data;
  return { envelope: 'events' in envelope ? envelope : { origin: envelope.origin, events: [envelope.event] } };
}
