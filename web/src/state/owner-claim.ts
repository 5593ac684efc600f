import type { UploadLimits } from '../../../master/api-types.ts';
import { claimOwner } from '../api.ts';

/**
 * Emits "new-owner" when the master gave this browser its owner key (a cookie) just now: requests made
 * before, such as a live stream opened on a private board, were filtered as a stranger's.
 */
export const ownership = new EventTarget();

/**
 * The owner this tab's uploads belong to, claimed once; a failure is asked again by the next upload (whose own error
 * then says why). Resolves to the master's upload limits, or null when it did not say them.
 */
let owner: Promise<UploadLimits | null> | null = null;

export const ownerClaimed = () =>
  (owner ??= claimOwner().then(
    ({ ownerKey, uploadLimits }) => {
      if (ownerKey) ownership.dispatchEvent(new Event('new-owner'));
      return uploadLimits ?? null;
    },
    () => {
      owner = null;
      return null;
    },
  ));
