// A close call (top-1 leading the second by less than CLOSE_CALL_MARGIN; computed in fp32, by less than
// CLOSE_CALL_MARGIN_FP32) from one volunteer never settles a job, however credible the volunteer: a second identity
// must agree. Margins read from the answer's own predictions, and the verifier's decisions with credibility from the
// real identity stores.
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_STORE_KINDS, type OpenedIdentityStore } from '../../test/support/identity-stores.ts';
import { volunteerAnswer } from '../../test/support/store-fixtures.ts';
import type { JobResult } from '../api-types.ts';
import { isCloseCall, precisionOf, topMargin } from '../trust/close-calls.ts';
import { Verifier } from '../trust/verification.ts';
import { DEFAULT_VERIFICATION } from '../../test/support/verification-policy.ts';

const POLICY = DEFAULT_VERIFICATION;

const p = (index: number, probability: number) => ({ index, label: `class ${index}`, probability });

/** A volunteer's answer of class `index` leading class `second` by `margin`, from a GPU backend unless `backend` says. */
function answerWithMargin(index: number, second: number, margin: number, workerId: string, backend = 'webgl', precision?: JobResult['precision']): JobResult {
  const answer = { ...volunteerAnswer(index, workerId), backend, predictions: [p(index, (1 + margin) / 2), p(second, (1 - margin) / 2)] };
  return precision ? { ...answer, precision } : answer;
}

const MARGINS = { closeCallMargin: 0.1, closeCallMarginFp32: 0.001 };
const onGpu = (...predictions: ReturnType<typeof p>[]) => ({ predictions, backend: 'webgl' });

describe('an answer’s margin', () => {
  it('is the top-1 probability less the second’s', () => {
    expect(topMargin([p(3, 0.6), p(4, 0.3), p(5, 0.05)])).toBeCloseTo(0.3, 12);
    expect(isCloseCall(onGpu(p(3, 0.45), p(4, 0.4)), MARGINS)).toBe(true);
    expect(isCloseCall(onGpu(p(3, 0.6), p(4, 0.3)), MARGINS)).toBe(false);
  });

  it('holds an answer from a CPU backend (fp32) to the narrower CLOSE_CALL_MARGIN_FP32, never above CLOSE_CALL_MARGIN', () => {
    for (const backend of ['wasm', 'cpu']) {
      expect(isCloseCall({ predictions: [p(3, 0.45), p(4, 0.4)], backend }, MARGINS)).toBe(false);
      expect(isCloseCall({ predictions: [p(3, 0.4004), p(4, 0.4)], backend }, MARGINS)).toBe(true);
      expect(isCloseCall({ predictions: [p(3, 0.4004), p(4, 0.4)], backend }, { closeCallMargin: 0.0001, closeCallMarginFp32: 0.001 })).toBe(false);
    }
    expect(isCloseCall(onGpu(p(3, 0.4004), p(4, 0.4)), MARGINS)).toBe(true);
  });

  it('holds an answer to the margin of the floats it says it was computed in, else to its backend’s', () => {
    const lead = [p(3, 0.45), p(4, 0.4)];
    expect(isCloseCall({ predictions: lead, backend: 'webgl', precision: 'fp32' }, MARGINS)).toBe(false);
    expect(isCloseCall({ predictions: lead, backend: 'webgpu', precision: 'fp32' }, MARGINS)).toBe(false);
    expect(isCloseCall({ predictions: lead, backend: 'webgl', precision: 'fp16' }, MARGINS)).toBe(true);
    expect(precisionOf({ backend: 'webgl' })).toBe('fp16');
    expect(precisionOf({ backend: 'webgpu' })).toBe('fp16');
    expect(precisionOf({ backend: 'wasm' })).toBe('fp32');
    expect(precisionOf({ backend: 'webgl', precision: 'fp32' })).toBe('fp32');
  });

  it('takes the most an unlisted class could hold when only one class is listed', () => {
    // 0.55 listed leaves 0.45 to the rest, all of which a second class may hold.
    expect(topMargin([p(3, 0.55)])).toBeCloseTo(0.1, 12);
    expect(topMargin([p(3, 0.3)])).toBe(0);
    expect(topMargin([p(3, 1)])).toBe(1);
  });

  it('is never a close call at CLOSE_CALL_MARGIN 0', () => {
    expect(isCloseCall(onGpu(p(3, 0.4), p(4, 0.4)), { closeCallMargin: 0, closeCallMarginFp32: 0.001 })).toBe(false);
    expect(isCloseCall({ predictions: [p(3, 0.4), p(4, 0.4)], backend: 'wasm' }, { closeCallMargin: 0, closeCallMarginFp32: 0.001 })).toBe(false);
  });
});

describe.each(IDENTITY_STORE_KINDS)('close calls decided with the $name identity store', (kind) => {
  let opened: OpenedIdentityStore;
  afterEach(() => opened?.dispose());

  /** A verifier whose store holds a volunteer past 50 spot checks: credible enough to settle a job alone. */
  async function withVeteran(policy = POLICY): Promise<Verifier> {
    const store = (opened = await kind.open()).store;
    for (let i = 0; i < 50; i++) await store.recordSpotCheck('veteran', true);
    return new Verifier(policy, store);
  }

  it("settles a job on a credible volunteer's wide answer alone, not on its close call", async () => {
    const verifier = await withVeteran();
    expect((await verifier.decide({ answer: answerWithMargin(7, 8, 0.5, 'veteran') }, [], false)).final).toBe(true);
    expect(await verifier.decide({ answer: answerWithMargin(7, 8, 0.05, 'veteran') }, [], false)).toEqual({ final: false, trustedOnly: false });
  });

  it("settles a job on a credible volunteer's lead from a CPU backend alone, unless it is within CLOSE_CALL_MARGIN_FP32", async () => {
    const verifier = await withVeteran();
    expect((await verifier.decide({ answer: answerWithMargin(7, 8, 0.05, 'veteran', 'wasm') }, [], false)).final).toBe(true);
    expect(await verifier.decide({ answer: answerWithMargin(7, 8, 0.0005, 'veteran', 'wasm') }, [], false)).toEqual({ final: false, trustedOnly: false });
  });

  it("settles a job on a credible volunteer's lead from WebGL in fp32 alone, and waits on the same lead in fp16", async () => {
    const verifier = await withVeteran();
    expect((await verifier.decide({ answer: answerWithMargin(7, 8, 0.05, 'veteran', 'webgl', 'fp32') }, [], false)).final).toBe(true);
    expect(await verifier.decide({ answer: answerWithMargin(7, 8, 0.05, 'veteran', 'webgl', 'fp16') }, [], false)).toEqual({
      final: false,
      trustedOnly: false,
    });
  });

  it('settles the close call once another identity with a say agrees; not on a new identity’s echo, nor when it disagrees', async () => {
    const verifier = await withVeteran();
    for (let i = 0; i < POLICY.minChecksToVerify; i++) await opened.store.recordSpotCheck('colleague', true);
    const closeCall = { identity: 'veteran', answer: answerWithMargin(7, 8, 0.05, 'veteran') };
    // A new identity is free to make: its agreeing may be the veteran's own.
    expect(await verifier.decide({ answer: answerWithMargin(7, 8, 0.05, 'newcomer') }, [closeCall], false)).toEqual({ final: false, trustedOnly: false });
    const agreed = await verifier.decide({ answer: answerWithMargin(7, 8, 0.05, 'colleague') }, [closeCall], false);
    expect(agreed).toMatchObject({ final: true, result: { verification: { state: 'verified' } } });
    expect(agreed.final && agreed.result.predictions[0]!.index).toBe(7);
    expect((await verifier.decide({ answer: answerWithMargin(8, 7, 0.05, 'colleague') }, [closeCall], false)).final).toBe(false);
  });

  it("takes a trusted worker's close call as final, and a volunteer's at CLOSE_CALL_MARGIN 0", async () => {
    const verifier = await withVeteran();
    const trusted: JobResult = { ...answerWithMargin(7, 8, 0.01, 'fleet-1'), workerClass: 'trusted' };
    expect(await verifier.decide({ answer: trusted }, [], false)).toMatchObject({ final: true, result: { verification: { state: 'trusted' } } });
    await opened.dispose();
    const off = await withVeteran({ ...POLICY, closeCallMargin: 0 });
    expect((await off.decide({ answer: answerWithMargin(7, 8, 0.05, 'veteran') }, [], false)).final).toBe(true);
  });

  it('ends a lone close call unverified past MAX_REPLICAS with no trusted worker, naming it the answer in the lead', async () => {
    const verifier = await withVeteran({ ...POLICY, maxReplicas: 1 });
    const decision = await verifier.decide({ answer: answerWithMargin(7, 8, 0.05, 'veteran') }, [], false);
    expect(decision).toMatchObject({ final: true, result: { verification: { state: 'unverified' } } });
    expect(decision.final && decision.result.predictions[0]!.index).toBe(7);
    expect(await verifier.decide({ answer: answerWithMargin(7, 8, 0.05, 'veteran') }, [], true)).toEqual({ final: false, trustedOnly: true });
  });
});
