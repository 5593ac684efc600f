// A store kind for the tests of one describe block: started before them, every store a test opens disposed after it.
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Limits } from '../../master/store/job-store.ts';
import type { OpenedStore, StoreKind } from './stores.ts';

/** Call inside describe.each(STORE_KINDS); answers how a test opens a fresh store of the kind (limits not given: the test defaults). */
export function useStoreKind(kind: StoreKind): (limits?: Partial<Limits>) => Promise<OpenedStore> {
  beforeAll(() => kind.start());
  afterAll(() => kind.stop());
  const opened: OpenedStore[] = [];
  afterEach(async () => {
    for (const { dispose } of opened.splice(0)) await dispose();
  });
  return async (limits = {}) => {
    const store = await kind.open(limits);
    opened.push(store);
    return store;
  };
}
