// The frame of the store contract (master/test/store-contract-*.test.ts): every
// store kind (SQLite, Redis, a Redis Cluster) runs every case, each on fresh stores.
import { describe } from 'vitest';
import type { JobStore, Limits } from '../../master/store/job-store.ts';
import { storeWithJobs } from './store-fixtures.ts';
import { STORE_KINDS, type OpenedStore, type StoreKind } from './stores.ts';
import { useStoreKind } from './use-store-kind.ts';

export interface ContractStores {
  kind: StoreKind;
  /** A fresh store of the kind (limits not given: the test defaults), disposed after the test. */
  open: (limits?: Partial<Limits>) => Promise<JobStore>;
  /** The same, with what a test may do to its data behind its back. */
  openData: (limits?: Partial<Limits>) => Promise<OpenedStore>;
  /** A fresh store holding `count` queued jobs, and their ids in submission order. */
  withJobs: ReturnType<typeof storeWithJobs>;
}

/** Runs `cases` (describe blocks named after the operations they hold the store to) in a block per store kind. */
export function describeEveryStore(cases: (stores: ContractStores) => void): void {
  describe.each(STORE_KINDS)('$name job store', (kind) => {
    const openStore = useStoreKind(kind);
    cases({ kind, open: async (limits) => (await openStore(limits)).store, openData: openStore, withJobs: storeWithJobs(openStore) });
  });
}
