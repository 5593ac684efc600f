// A damaged SQLite file in DATA_DIR (random bytes where a database should be) stops the master at start with one
// plain line naming the file and what to do, exit 2, as a bad setting does: never a stack trace.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { masterRefusing } from '../../test/support/master-process.ts';
import { tempDataDir } from '../../test/support/test-master.ts';

describe('a damaged store file at start', () => {
  it.each(['jobs.sqlite', 'identities.sqlite', 'volunteers.sqlite'])('stops the master, naming %s and what to do', async (name) => {
    const dataDir = tempDataDir();
    fs.writeFileSync(path.join(dataDir, name), randomBytes(8192));
    const run = await masterRefusing({ DATA_DIR: dataDir });
    expect(run.listened).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      `master: ${path.join(dataDir, name)} is not a readable SQLite database (file is not a database): restore it from a backup, or move it aside to start without what it held`,
    ]);
  });

  it('stops the master on a master.lock that is not one, saying it holds nothing', async () => {
    const dataDir = tempDataDir();
    fs.writeFileSync(path.join(dataDir, 'master.lock'), randomBytes(8192));
    const run = await masterRefusing({ DATA_DIR: dataDir });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      `master: ${path.join(dataDir, 'master.lock')} is not the lock file a master makes; it holds no data: delete it`,
    ]);
  });
});
