// What a volunteer's answer can do on this master (GET /api/verification): the board and the worker page word
// what volunteers' answers wait for by it. It changes only when the master restarts with other settings, so it is
// asked again once a minute while a page shows it. Until it arrives (or if the master cannot be asked) they say
// what holds on a master with spot checks.
import { fetchVerificationPolicy } from '../api.ts';
import { Poller } from './poller.ts';

export const verificationPolicy = new Poller(fetchVerificationPolicy, 60_000);
