// What must outlive a power cut in the embedded identity store is in the database file itself once the call returns
// (a checkpoint, which syncs the write-ahead log first), not only in the log, which synchronous = NORMAL syncs lazily:
// the master's secret, which signs every owner key a 201 hands out, the fleet token and every worker token (a secret
// lost and made anew would lock owners out of their jobs and refuse the fleet); a revocation; a blacklisting.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteIdentityStore } from '../identity/sqlite-identity-store.ts';

const dirs: string[] = [];
const stores: SqliteIdentityStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function open() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'identities-'));
  dirs.push(dir);
  const store = new SqliteIdentityStore(dir);
  stores.push(store);
  const inDatabaseFile = (text: string) => fs.readFileSync(path.join(dir, 'identities.sqlite')).includes(Buffer.from(text));
  return { store, inDatabaseFile };
}

it('has the secret in the database file as soon as it is made', async () => {
  const { store, inDatabaseFile } = open();
  const candidate = 'secret-made-by-the-first-master-0123456789';
  expect(await store.secretOr(candidate)).toBe(candidate);
  expect(inDatabaseFile(candidate)).toBe(true);
});

it('has a revocation and a blacklisting in the database file as soon as they are made', async () => {
  const { store, inDatabaseFile } = open();
  await store.revoke('revoked-identity-0123456789');
  await store.blacklist('blacklisted-identity-0123456789', 'failed a spot check');
  expect([inDatabaseFile('revoked-identity-0123456789'), inDatabaseFile('blacklisted-identity-0123456789')]).toEqual([true, true]);
});
