// What a volunteer's answer can do on this master (GET /api/verification), asked once per page load: the
// board and the worker page word what volunteers' answers wait for by it. Until it arrives (or if the master
// cannot be asked) they say what holds on a master with spot checks.
import type { VerificationPolicyView } from '../../../master/api-types.ts';
import { fetchVerificationPolicy } from '../api.ts';

let policy: VerificationPolicyView | null = null;
let asking: Promise<void> | null = null;
const listeners = new Set<() => void>();

function ask(): void {
  asking ??= fetchVerificationPolicy().then(
    (fetched) => {
      policy = fetched;
      for (const listener of listeners) listener();
    },
    () => {
      // Asked again by the next page that subscribes.
      asking = null;
    },
  );
}

export const verificationPolicy = {
  get current(): VerificationPolicyView | null {
    return policy;
  },
  subscribe(onChange: () => void): () => void {
    listeners.add(onChange);
    if (!policy) ask();
    return () => listeners.delete(onChange);
  },
};
