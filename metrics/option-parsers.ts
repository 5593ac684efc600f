// Option parsers the benches share: a value that would make a run hang or mean nothing (0, a word, a fraction where a
// count is meant) is refused before anything starts.
import { InvalidArgumentError } from 'commander';

/** A whole number above 0, e.g. a count of workers or jobs. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a whole number above 0');
  return n;
}

/** A whole number, 0 included, e.g. jobs not counted before a run. */
export function wholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** A number above 0, e.g. seconds. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0');
  return n;
}

/** Comma-separated whole numbers above 0, e.g. offered rates. */
export function positiveIntegerList(value: string): number[] {
  try {
    return value.split(',').map(positiveInteger);
  } catch {
    throw new InvalidArgumentError('expected whole numbers above 0, comma-separated');
  }
}
