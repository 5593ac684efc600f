import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api.ts';
import { statsRefusal } from '../src/lib/stats-refusal.ts';

describe('statsRefusal', () => {
  it('says the statistics of a private board are for its operator, and asks for the admin token', () => {
    const refusal = statsRefusal(new ApiError('send the admin token as "Authorization: Bearer <token>"', 401, 'admin-token-required'));
    expect(refusal).toEqual({ message: expect.stringMatching(/^Statistics on this board are for its operator/), tokenHelps: true });
  });

  it('asks for no token when the master has none', () => {
    expect(statsRefusal(new ApiError('this action needs ADMIN_TOKEN to be set on the master', 403, 'admin-disabled'))).toMatchObject({ tokenHelps: false });
  });

  it('is no refusal when the master is unreachable or rate-limits', () => {
    expect(statsRefusal(new ApiError('the master is unreachable', 0, 'unreachable'))).toBeNull();
    expect(statsRefusal(new ApiError('too many requests', 429, 'too-many-requests'))).toBeNull();
    expect(statsRefusal(new Error('boom'))).toBeNull();
  });
});
