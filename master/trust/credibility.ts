// Credibility-based voting (Sarmenta, "Sabotage-tolerance mechanisms for volunteer computing systems",
// FGCS 18(4), 2002; CCGrid 2001): how far a worker's answer, and a group of agreeing answers, can be
// believed, given an assumed upper bound f on the fraction of saboteurs. Pure math, no I/O.

/** What credibility is computed from: the worker's class and the spot checks it survived. */
export interface VoterRecord {
  trusted: boolean;
  spotChecksPassed: number;
  /** The share of saboteurs blacklistings have shown among identities with as many passed checks (survival.ts); 0 if none. */
  observedSaboteurShare?: number;
}

/** One answer to a job: its top-1 class index and the credibility of the worker that gave it. */
export interface Vote {
  answer: number;
  credibility: number;
}

export type Verdict = { final: true; answer: number; credibility: number } | { final: false; best: number | null; credibility: number };

/**
 * The probability that the worker's answer is right. A new volunteer is a saboteur with probability f,
 * so 1 − f. With blacklisting (a worker caught once is gone), one that survived k ≥ 1 spot checks is
 * wrong with probability at most f/((1 − f)·k·e) (Sarmenta 2002, spot-checking with blacklisting: the
 * worst sabotage rate s = 1/(k + 1) maximises s·(1 − s)^k, which is below 1/(k·e)). Never more than
 * 1 − the share of saboteurs seen among identities with k passed checks (survival.ts). Trusted: 1.
 */
export function workerCredibility({ trusted, spotChecksPassed: k, observedSaboteurShare = 0 }: VoterRecord, saboteurFraction: number): number {
  if (trusted) return 1;
  const f = saboteurFraction;
  // For large f and few checks the bound says less than 1 − f; a survived check never lowers credibility.
  const bound = k < 1 ? 1 - f : Math.max(1 - f, 1 - f / ((1 - f) * k * Math.E));
  // Where more saboteurs than f have been seen lasting this long, believe no more than they show.
  return Math.min(bound, 1 - observedSaboteurShare);
}

/**
 * The credibility of each answer group (Sarmenta 2002, credibility-based voting): the probability that
 * its answer is the right one given every group we got, with P(G) = Π Cr(w) and P̄(G) = Π (1 − Cr(w)):
 *
 *   Cr(G_a) = P(G_a)·Π_{b≠a} P̄(G_b) / (Π_i P̄(G_i) + Σ_i P(G_i)·Π_{j≠i} P̄(G_j))
 *
 * The denominator is the probability of getting these groups at all: either every group is wrong, or
 * exactly one is right. Without the "every group wrong" term a lone vote would be certain.
 *
 * A trusted vote (credibility 1) is taken as the limit 1 − δ, δ → 0: each term is kept as a
 * coefficient times δ^(trusted votes in the wrong groups), and only the lowest power counts. So a group
 * with a trusted vote beats any number of volunteers, and trusted workers that disagree (fp16 against
 * fp32) split the credibility between their groups instead of dividing by zero.
 */
export function answerCredibilities(votes: readonly Vote[]): Map<number, number> {
  const groups = new Map<number, { right: number; wrong: number; trusted: number }>();
  for (const { answer, credibility } of votes) {
    const group = groups.get(answer) ?? { right: 1, wrong: 1, trusted: 0 };
    group.right *= credibility;
    if (credibility >= 1) group.trusted += 1;
    else group.wrong *= 1 - credibility;
    groups.set(answer, group);
  }
  const all = [...groups.values()];
  const allWrong = all.reduce((product, g) => product * g.wrong, 1);
  const trustedVotes = all.reduce((sum, g) => sum + g.trusted, 0);
  // Group a right, every other wrong: coefficient and power of δ.
  const onlyRight = [...groups].map(([answer, g]) => ({
    answer,
    coefficient: g.right * all.reduce((product, other) => (other === g ? product : product * other.wrong), 1),
    power: trustedVotes - g.trusted,
  }));
  const lowest = Math.min(trustedVotes, ...onlyRight.map((term) => term.power));
  const counted = (term: { coefficient: number; power: number }) => (term.power === lowest ? term.coefficient : 0);
  const evidence = counted({ coefficient: allWrong, power: trustedVotes }) + onlyRight.reduce((sum, term) => sum + counted(term), 0);
  return new Map(onlyRight.map((term) => [term.answer, counted(term) / evidence]));
}

/** Whether this credibility, a group's or one worker's, is enough to end a job: the one threshold of verification. */
export function reachesTarget(credibility: number, targetError: number): boolean {
  return credibility >= 1 - targetError;
}

/**
 * Whether the votes settle the job: final when the most credible answer reaches 1 − targetError;
 * otherwise the job needs another replica, and `best` is the answer in the lead (null with no votes).
 */
export function verdict(
  votes: readonly (VoterRecord & { answer: number })[],
  { targetError, saboteurFraction }: { targetError: number; saboteurFraction: number },
): Verdict {
  const credibilities = answerCredibilities(votes.map((vote) => ({ answer: vote.answer, credibility: workerCredibility(vote, saboteurFraction) })));
  let best: number | null = null;
  let credibility = 0;
  for (const [answer, groupCredibility] of credibilities) {
    if (best === null || groupCredibility > credibility) [best, credibility] = [answer, groupCredibility];
  }
  if (best !== null && reachesTarget(credibility, targetError)) return { final: true, answer: best, credibility };
  return { final: false, best, credibility };
}
