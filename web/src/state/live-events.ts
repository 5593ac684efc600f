import type { LiveEvent } from '../../../master/api-types.ts';

/** SSE event names on GET /api/events; each event's data is the JSON LiveEvent of that type. */
export const LIVE_EVENT_TYPES = ['job', 'job-deleted', 'workers'] as const satisfies ReadonlyArray<LiveEvent['type']>;

/** Parses one event's data, or null when it is not the event its name promises. */
export function parseLiveEvent(name: string, data: string): LiveEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || !('type' in value) || value.type !== name) return null;
  switch (value.type) {
    case 'job':
      return 'job' in value && isObjectWithId(value.job) ? (value as LiveEvent) : null;
    case 'job-deleted':
      return 'id' in value && typeof value.id === 'string' ? (value as LiveEvent) : null;
    case 'workers':
      return 'workers' in value && Array.isArray(value.workers) ? (value as LiveEvent) : null;
    default:
      return null;
  }
}

function isObjectWithId(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string';
}
