// MAX_CONNECTIONS against the process's open-file limit (`ulimit -n`). Each connection holds a file descriptor, and
// past the limit the kernel's accept fails: libuv resets the connection, so a client gets no `503
// too-many-connections` but a reset, and an upload or an image read that needs a descriptor fails as well. Node cannot
// raise the limit itself, so the master says so at start, where the operator can act.
import fs from 'node:fs';

/** Descriptors the master needs besides its connections: its stores, the model, uploads being written, image reads. */
export const FILES_BESIDES_CONNECTIONS = 64;

/** The soft limit on open files, from /proc/self/limits (Linux); null elsewhere or when unlimited. */
export function openFileLimit(limitsFile = '/proc/self/limits'): number | null {
  let text: string;
  try {
    text = fs.readFileSync(limitsFile, 'utf8');
  } catch {
    return null;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  return soft === undefined || soft === 'unlimited' ? null : Number(soft);
}

/** A plain warning when MAX_CONNECTIONS (and the uploads in flight) cannot all have a descriptor, else null. */
export function openFileWarning(maxConnections: number, maxUploadsInFlight: number, limit: number | null): string | null {
  const needed = maxConnections + maxUploadsInFlight + FILES_BESIDES_CONNECTIONS;
  if (limit === null || needed <= limit) return null;
  return (
    `MAX_CONNECTIONS (${maxConnections}) needs about ${needed} open files, over this process's limit of ${limit}: ` +
    `past about ${Math.max(0, limit - maxUploadsInFlight - FILES_BESIDES_CONNECTIONS)} connections, new ones are reset ` +
    `instead of answered 503, and uploads may fail. Raise the limit (ulimit -n, LimitNOFILE in a systemd unit) or lower MAX_CONNECTIONS`
  );
}
