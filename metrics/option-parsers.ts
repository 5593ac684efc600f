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

/** A number, 0 included, e.g. seconds where 0 means none. */
export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number, 0 or more');
  return n;
}

/** A whole number from min to max, e.g. queue partitions or a first port. */
export function integerFrom(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

/** Comma-separated numbers from 0 to 1, e.g. loss rates or shares of the workers. */
export function fractionList(value: string): number[] {
  const list = value.split(',').map((part) => (part.trim() === '' ? NaN : Number(part)));
  if (list.some((n) => !(n >= 0 && n <= 1))) throw new InvalidArgumentError('expected numbers from 0 to 1, comma-separated');
  return list;
}

/** One number from 0 to 1, e.g. a rate or a margin. */
export function fraction(value: string): number {
  if (value.includes(',')) throw new InvalidArgumentError('expected a number from 0 to 1');
  try {
    return fractionList(value)[0]!;
  } catch {
    throw new InvalidArgumentError('expected a number from 0 to 1');
  }
}

/** Comma-separated names, each one of `known`, e.g. stores or attacks. */
export function nameList(known: readonly string[]): (value: string) => string[] {
  return (value) => {
    const names = value.split(',');
    const unknown = names.find((name) => !known.includes(name));
    if (unknown !== undefined) throw new InvalidArgumentError(`unknown "${unknown}" (expected ${known.join(', ')}, comma-separated)`);
    return names;
  };
}
