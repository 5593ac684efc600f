import { ApiError } from '../api.ts';
import { errorMessage } from './errors.ts';

/**
 * The line under a page's alert: the master's own words when it answered; when it did not (out of reach, no answer
 * in time), what the page found, as its own words: "The master said: the master is unreachable" was no one's.
 */
export function failureDetail(failure: unknown): string {
  const message = errorMessage(failure);
  if (failure instanceof ApiError && failure.status === 0) return `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
  return `The master said: ${message}`;
}
