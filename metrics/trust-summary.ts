// The trust bench's figures from the raw counts of each cell (trust-cell.ts), the markdown table, and the
// verdict on issue 9's goals. Pure.
import { wilsonInterval, type Proportion } from './runner/wilson.ts';
import type { CellRun, CellSpec } from './trust-cell.ts';

/** Issue 9's goals: at most this error rate with up to this share of saboteurs, at most this many answers a job… */
export const GOAL_ERROR_RATE = 0.001;
export const GOAL_SABOTEUR_SHARE = 0.3;
export const GOAL_REDUNDANCY = 2.5;
/** …and without saboteurs, verification costs at most this factor of the unverified throughput. */
export const GOAL_NO_SABOTEUR_COST = 1.15;

export interface CellSummary {
  spec: CellSpec;
  run: CellRun;
  /** Wrong final results among the done jobs. */
  errors: Proportion;
  meanReplicas: number;
  /** Answers per done job among the last quarter of the jobs submitted: where redundancy is heading as histories grow. */
  meanReplicasLastQuarter: number;
  /** Spot checks handed out per submitted job. */
  spotCheckOverhead: number;
  jobsPerSecond: number;
  /** Saboteur identities blacklisted, all saboteurs' identities, and the answers and seconds a caught one lasted. */
  caught: number;
  identities: number;
  meanAnswersToCatch: number;
  meanSecondsToCatch: number;
}

const mean = (values: number[]) => (values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : Number.NaN);

export function summarizeCell(spec: CellSpec, run: CellRun): CellSummary {
  const identities = run.saboteurIdentities.flat();
  const caught = identities.filter((identity) => identity.caughtAt !== undefined);
  return {
    spec,
    run,
    errors: wilsonInterval(run.wrong, run.done),
    meanReplicas: run.replicas / run.done,
    meanReplicasLastQuarter: run.lastQuarter.replicas / run.lastQuarter.done,
    spotCheckOverhead: run.spotChecks.given / run.jobs,
    jobsPerSecond: run.done / run.seconds,
    caught: caught.length,
    identities: identities.length,
    meanAnswersToCatch: mean(caught.map((identity) => identity.answers)),
    meanSecondsToCatch: mean(caught.map((identity) => (identity.caughtAt! - identity.connectedAt) / 1000)),
  };
}

export function cellName(spec: CellSpec): string {
  if (spec.trusted) return 'unverified baseline (all trusted)';
  if (spec.saboteurs === 0) return 'no saboteurs';
  return `${spec.kind}, ${Math.round(spec.saboteurs * 100)}% saboteurs, lie rate ${spec.rate}`;
}

const percent = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`;
const figure = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** A rate as a percentage: below 1%, two significant digits, so that a bound near the 0.1% goal never reads 0.0%. */
export function ratePercent(value: number): string {
  const p = value * 100;
  if (p === 0 || p >= 1) return `${p.toFixed(1)}%`;
  return `${p.toLocaleString('en-US', { minimumSignificantDigits: 2, maximumSignificantDigits: 2 })}%`;
}

/** "0 / 8000 (0.0%–0.048%)": zero errors in n only bounds the rate. */
export function errorCell({ successes, trials, low, high }: Proportion): string {
  return `${successes} / ${trials} (${ratePercent(low)}–${ratePercent(high)})`;
}

export function markdownTable(cells: CellSummary[], reference: { noSaboteurs: number; unverified: number }): string {
  const header = [
    'cell',
    'done / jobs',
    'wrong final results (95% CI)',
    'of them, lies that stood',
    'unverified (wrong)',
    'answers per job',
    'answers per job, last quarter',
    'spot checks per job',
    'jobs/s',
    // Which way each ratio goes, said in the header: cost is often quoted the other way (unverified ÷ verified).
    'jobs/s ÷ no saboteurs',
    'jobs/s ÷ unverified',
    'saboteur identities caught / used',
    'answers until caught (mean)',
    's until caught (mean)',
  ];
  const rows = cells.map((c) => [
    cellName(c.spec),
    `${c.run.done} / ${c.run.jobs}`,
    errorCell(c.errors),
    String(c.run.wrongByLie),
    `${c.run.unverified} (${c.run.wrongUnverified})`,
    figure(c.meanReplicas),
    figure(c.meanReplicasLastQuarter),
    figure(c.spotCheckOverhead, 3),
    figure(c.jobsPerSecond, 1),
    figure(c.jobsPerSecond / reference.noSaboteurs),
    figure(c.jobsPerSecond / reference.unverified),
    c.identities ? `${c.caught} / ${c.identities}` : '–',
    figure(c.meanAnswersToCatch, 1),
    figure(c.meanSecondsToCatch, 1),
  ]);
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

/** A cell that did not finish every job it was given: its rates are over fewer jobs than it was given (or over none, NaN). */
const unfinished = (cells: CellSummary[]) => cells.filter((c) => c.run.done < c.run.jobs);
const shortfall = (cells: CellSummary[]) => cells.map((c) => `${cellName(c.spec)} finished ${c.run.done} of ${c.run.jobs} jobs`).join('; ');

/** One line per goal: met or not, with the figure it was judged on. A goal whose cells did not finish their jobs is not met. */
export function verdicts(cells: CellSummary[], reference: { noSaboteurs: number; unverified: number }): string[] {
  const guarded = cells.filter((c) => !c.spec.trusted && c.spec.saboteurs > 0 && c.spec.saboteurs <= GOAL_SABOTEUR_SHARE);
  const lines: string[] = [];
  const errorGoal = `error rate ≤ ${GOAL_ERROR_RATE} with up to ${percent(GOAL_SABOTEUR_SHARE, 0)} saboteurs`;
  const redundancyGoal = `mean redundancy ≤ ${GOAL_REDUNDANCY} answers per job in those cells`;
  const short = unfinished(guarded);
  const finished = guarded.filter((c) => !short.includes(c));
  if (finished.length) {
    const worstError = finished.reduce((worst, c) => (c.errors.value > worst.errors.value ? c : worst));
    const worstRedundancy = finished.reduce((worst, c) => (c.meanReplicas > worst.meanReplicas ? c : worst));
    const pooled = wilsonInterval(
      finished.reduce((sum, c) => sum + c.run.wrong, 0),
      finished.reduce((sum, c) => sum + c.run.done, 0),
    );
    const errorMet = short.length === 0 && worstError.errors.value <= GOAL_ERROR_RATE;
    const redundancyMet = short.length === 0 && worstRedundancy.meanReplicas <= GOAL_REDUNDANCY;
    const unjudged = short.length ? `; not judged: ${shortfall(short)}` : '';
    lines.push(
      `${errorGoal}: ${errorMet ? 'met' : 'NOT met'} — worst cell ${percent(worstError.errors.value, 2)} ` +
        `(${cellName(worstError.spec)}); all such cells together ${errorCell(pooled)}, ${finished.reduce((sum, c) => sum + c.run.wrongByLie, 0)} of them lies that stood` +
        (errorMet && pooled.high > GOAL_ERROR_RATE ? `, so ${pooled.trials} jobs cannot show a rate below ${percent(pooled.high, 2)}` : '') +
        unjudged,
      `${redundancyGoal}: ${redundancyMet ? 'met' : 'NOT met'} — at most ${figure(worstRedundancy.meanReplicas)} (${cellName(worstRedundancy.spec)})${unjudged}`,
    );
  } else if (short.length) {
    lines.push(`${errorGoal}: NOT met — ${shortfall(short)}`, `${redundancyGoal}: NOT met — ${shortfall(short)}`);
  }
  const cost = reference.unverified / reference.noSaboteurs;
  const noSaboteurs = cells.find((c) => !c.spec.trusted && c.spec.saboteurs === 0);
  // The throughputs compared come from the unverified and the no-saboteur cells.
  const shortReferences = unfinished(cells.filter((c) => c.spec.trusted || c.spec.saboteurs === 0));
  const costMet = shortReferences.length === 0 && cost <= GOAL_NO_SABOTEUR_COST;
  lines.push(
    `without saboteurs, cost ≤ ${GOAL_NO_SABOTEUR_COST}× the unverified throughput: ${costMet ? 'met' : 'NOT met'} — ${figure(cost)}× ` +
      `(${figure(reference.unverified, 1)} jobs/s unverified, ${figure(reference.noSaboteurs, 1)} verified)` +
      (noSaboteurs ? `; volunteer work per job ${figure(noSaboteurs.meanReplicas + noSaboteurs.spotCheckOverhead)}× (answers and spot checks)` : '') +
      (shortReferences.length ? `; not judged: ${shortfall(shortReferences)}` : ''),
  );
  return lines;
}
