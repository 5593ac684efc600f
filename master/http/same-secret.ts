// Comparing a presented secret with a configured one in constant time: both are hashed first, so
// neither the content nor the length of the secret leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}
