// bench:hostile reads the master's memory every 100 ms: a master an attack killed must read as gone, not crash the bench.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { rssBytes } from '../hostile-master.ts';

describe('rssBytes', () => {
  it("reads a live process's resident memory", () => {
    expect(rssBytes(process.pid)).toBeGreaterThan(0);
  });

  it('is null once the process is gone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(rssBytes(child.pid!)).toBeNull();
  });
});
