// What masters sharing Redis publish on their events channel, checked as it arrives: anything that can PUBLISH
// there (a master of another version, a stray script) must not make a master act on a shape it does not know. Each
// event and blacklisting is checked on its own: one this master cannot read (a newer master's transition) costs
// only itself, not the others in its message.
import { z } from 'zod';
import { JobDeletedEvent, JobEvent } from '../api-types.ts';

const RelayedEvent = z.discriminatedUnion('type', [JobEvent, JobDeletedEvent]);
const BlacklistNotice = z.object({ workerId: z.string(), reason: z.string() });

export interface Envelope {
  origin: string;
  events: z.infer<typeof RelayedEvent>[];
  /** Only when there are some; never from a master before blacklistings were relayed (a rolling upgrade has both). */
  blacklistings?: z.infer<typeof BlacklistNotice>[];
}

/** Today's shape, each item unread yet; and what a master before batching published, one event a message. */
const AnyEnvelope = z.union([
  z.object({ origin: z.string(), events: z.array(z.unknown()), blacklistings: z.array(z.unknown()).optional() }),
  z.object({ origin: z.string(), event: z.unknown() }),
]);

/**
 * A message read as the envelope of today's masters, with how many of its items could not be read (left out); or
 * why it is no envelope at all.
 */
export function readEnvelope(raw: string): { envelope: Envelope; unread: number } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { problem: 'not JSON' };
  }
  const read = AnyEnvelope.safeParse(json);
  if (!read.success) return { problem: z.prettifyError(read.error).slice(0, 500) };
  const outer = read.data;
  const events = readEach('events' in outer ? outer.events : [outer.event], RelayedEvent);
  const blacklistings = readEach('blacklistings' in outer ? (outer.blacklistings ?? []) : [], BlacklistNotice);
  return {
    envelope: { origin: outer.origin, events: events.read, ...(blacklistings.read.length > 0 ? { blacklistings: blacklistings.read } : {}) },
    unread: events.unread + blacklistings.unread,
  };
}

function readEach<T>(items: unknown[], schema: z.ZodType<T>): { read: T[]; unread: number } {
  const read: T[] = [];
  for (const item of items) {
    const parsed = schema.safeParse(item);
    if (parsed.success) read.push(parsed.data);
  }
  return { read, unread: items.length - read.length };
}
