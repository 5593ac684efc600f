// Extra IPv6 addresses on the loopback interface, for tests of the limits that count an IPv6 client by its /64:
// otherwise this host answers on ::1 alone. Needs root (CAP_NET_ADMIN), as the lossy-link tests do.
import { execFileSync } from 'node:child_process';

/** Adds the addresses to `lo` (an address already there is kept) and returns what removes them again. */
export function addLoopbackAddresses(addresses: readonly string[]): () => void {
  const ip = (verb: 'add' | 'del', address: string) =>
    execFileSync('ip', ['-6', 'addr', verb, `${address}/128`, 'dev', 'lo', ...(verb === 'add' ? ['nodad'] : [])], { stdio: 'pipe' });
  for (const address of addresses) {
    try {
      ip('add', address);
    } catch (error) {
      if (!String((error as { stderr?: Buffer }).stderr).includes('File exists')) throw error;
    }
  }
  return () => {
    for (const address of addresses) ip('del', address);
  };
}
