/**
 * A random 128-bit key in hex. crypto.randomUUID exists only on secure origins (https or
 * localhost), and the master may well be reached over plain http on a LAN.
 */
export function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
