// A worker's credibility and spot checks passed move right after a spot check is judged, so on a private board
// only the admin sees them: a volunteer reading them after every frame could tell which frames were checks.
import type { WorkerView } from '../api-types.ts';

export function withoutTrust(view: WorkerView): WorkerView {
  return { ...view, credibility: null, spotChecksPassed: null };
}
