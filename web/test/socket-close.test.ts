import { describe, expect, it, vi } from 'vitest';
import { CloseCode } from '../../master/protocol.ts';
import { handleSocketClose, type SocketCloseHost } from '../src/worker-runtime/socket-close.ts';
import type { WorkerSnapshot } from '../src/worker-runtime/status.ts';

/** A runtime as the close handling sees it, recording what it was told to do. */
function host(active = true) {
  const patches: Partial<WorkerSnapshot>[] = [];
  const calls = { dropQueue: vi.fn(), forgetIdentity: vi.fn(), stopOnRefusedFleetToken: vi.fn() };
  const runtime: SocketCloseHost = { isActive: () => active, update: (patch) => void patches.push(patch), ...calls };
  return { runtime, patches, ...calls };
}

describe('handleSocketClose', () => {
  it('drops the queued jobs on any close and shows the planned retry', () => {
    const page = host();
    handleSocketClose(page.runtime, 2_500, null);
    expect(page.dropQueue).toHaveBeenCalledOnce();
    expect(page.forgetIdentity).not.toHaveBeenCalled();
    expect(page.patches).toEqual([{ state: 'connecting', lastError: 'no connection to the master', retryNote: 'Retrying in 2.5 s.' }]);
  });

  it('shows no retry once stopped, or when none is planned', () => {
    for (const [active, retryInMs] of [
      [false, 1_000],
      [true, null],
    ] as const) {
      const page = host(active);
      handleSocketClose(page.runtime, retryInMs, { code: 1006, reason: '' });
      expect(page.dropQueue).toHaveBeenCalledOnce();
      expect(page.patches).toEqual([]);
    }
  });

  it.each([
    ['a token that does not verify', CloseCode.badIdentityToken],
    ['a revoked identity', CloseCode.identityRevoked],
    ['a token past its age', CloseCode.identityExpired],
    ['a trusted identity without its fleet token', CloseCode.fleetTokenRequired],
  ])('forgets the identity after %s, saying why, and retries for a new one', (_, code) => {
    const page = host();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    handleSocketClose(page.runtime, 1_000, { code, reason: 'refused' });
    expect(warn).toHaveBeenCalledWith(`master refused this worker identity (${code} refused): asking for a new one`);
    warn.mockRestore();
    expect(page.forgetIdentity).toHaveBeenCalledOnce();
    expect(page.patches).toEqual([
      { workerId: null, workerClass: null, lastError: 'master: refused' },
      { state: 'connecting', lastError: 'no connection to the master', retryNote: 'Retrying in 1.0 s.' },
    ]);
  });

  it('stops on a refused fleet token, keeping its identity: that is the operator to fix', () => {
    const page = host();
    handleSocketClose(page.runtime, 1_000, { code: CloseCode.badFleetToken, reason: 'not this master’s fleet token' });
    expect(page.stopOnRefusedFleetToken).toHaveBeenCalledWith('not this master’s fleet token');
    expect(page.forgetIdentity).not.toHaveBeenCalled();
    expect(page.patches).toEqual([]);
  });

  it('waits out too many new identities showing the master’s reason, and keeps nothing to forget', () => {
    const page = host();
    handleSocketClose(page.runtime, 60_000, { code: CloseCode.tooManyNewIdentities, reason: 'try again in 12 min' });
    expect(page.forgetIdentity).not.toHaveBeenCalled();
    expect(page.patches).toEqual([
      {
        state: 'connecting',
        lastError: 'the master takes no new identity from this address for now',
        retryNote: 'The master said: try again in 12 min. Retrying in 60.0 s.',
      },
    ]);
  });
});
