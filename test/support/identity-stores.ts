// Both identity stores, opened fresh for a test and disposed after: SQLite in a temp dir, Redis under a
// unique key prefix; `again` opens another on the same data, as a second master would.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IdentityStore } from '../../master/identity/identity-store.ts';
import { RedisIdentityStore } from '../../master/identity/redis-identity-store.ts';
import { SqliteIdentityStore } from '../../master/identity/sqlite-identity-store.ts';
import { deleteRedisKeys, TEST_REDIS_URL } from './stores.ts';

/** Opens a store on fresh data; `again` opens another on the same data, as a second master would. */
export interface OpenedIdentityStore {
  store: IdentityStore;
  again(): Promise<IdentityStore>;
  dispose(): Promise<void>;
}

export const IDENTITY_STORE_KINDS: { name: string; open(): Promise<OpenedIdentityStore> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'identities-'));
      const stores: IdentityStore[] = [new SqliteIdentityStore(dir)];
      return {
        store: stores[0]!,
        async again() {
          stores.push(new SqliteIdentityStore(dir));
          return stores.at(-1)!;
        },
        async dispose() {
          for (const store of stores) await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    async open() {
      const prefix = `test:${randomUUID()}:`;
      const connect = () => RedisIdentityStore.connect({ url: TEST_REDIS_URL }, prefix);
      const stores: IdentityStore[] = [await connect()];
      return {
        store: stores[0]!,
        async again() {
          stores.push(await connect());
          return stores.at(-1)!;
        },
        async dispose() {
          for (const store of stores) await store.close();
          await deleteRedisKeys(prefix);
        },
      };
    },
  },
];
