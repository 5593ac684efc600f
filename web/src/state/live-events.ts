import type { StreamEvent } from '../../../master/api-types.ts';

/** SSE event names on GET /api/events; each event's data is the JSON StreamEvent of that type. */
export const LIVE_EVENT_TYPES = ['job', 'job-deleted', 'workers-changed', 'resync', 'keepalive'] as const satisfies ReadonlyArray<StreamEvent['type']>;

/** Parses one event's data, or null when it is not the event its name promises. */
export function parseLiveEvent(name: string, data: string): StreamEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || !('type' in value) || value.type !== name) return null;
  switch (value.type) {
    case 'job':
      return 'job' in value && isObjectWithId(value.job) ? (value as StreamEvent) : null;
    case 'job-deleted':
      return 'id' in value && typeof value.id === 'string' ? (value as StreamEvent) : null;
    case 'workers-changed':
      return 'changed' in value &&
        Array.isArray(value.changed) &&
        value.changed.every(isObjectWithId) &&
        'left' in value &&
        Array.isArray(value.left) &&
        'connected' in value &&
        Number.isInteger(value.connected)
        ? (value as StreamEvent)
        : null;
    case 'resync':
      return value as StreamEvent;
    case 'keepalive':
      return 'intervalMs' in value && Number.isInteger(value.intervalMs) && (value.intervalMs as number) > 0 ? (value as StreamEvent) : null;
    default:
      return null;
  }
}

function isObjectWithId(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string';
}
