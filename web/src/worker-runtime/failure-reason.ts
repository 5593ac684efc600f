import { MAX_FAILURE_REASON_LENGTH } from '../../../master/protocol.ts';
import { errorMessage } from '../lib/errors.ts';

/** Why a job failed, as the page tells the master: cut to the protocol's bound, past which the master refuses the message. */
export const failureReason = (error: unknown): string => errorMessage(error).slice(0, MAX_FAILURE_REASON_LENGTH);
