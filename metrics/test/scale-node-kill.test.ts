// Which cluster node bench:scale kills: by default one holding queue partitions but not partition 0, whose node also
// holds the one submission counter (every submission would be refused while it is down); that one only when asked, or
// when no other node holds a partition.
import { describe, expect, it } from 'vitest';
import { nodeToKill } from '../scale-kills.ts';

// The nodes of 8 partitions as the tags {q}, {q1}... land on a 3-node cluster made by redis-cli: 5, 2 and 1 partitions.
const EIGHT = [7103, 7102, 7103, 7103, 7101, 7102, 7103, 7103];

describe('nodeToKill', () => {
  it('passes over the counter’s node for the other node holding the most partitions', () => {
    expect(nodeToKill(EIGHT, false)).toBe(7102);
  });

  it('takes the counter’s node when asked', () => {
    expect(nodeToKill(EIGHT, true)).toBe(7103);
  });

  it('takes the counter’s node when it holds every partition (one partition, as before partitions)', () => {
    expect(nodeToKill([7102], false)).toBe(7102);
    expect(nodeToKill([7101, 7101, 7101], false)).toBe(7101);
  });

  it('breaks a tie by the lower port', () => {
    expect(nodeToKill([7101, 7103, 7102], false)).toBe(7102);
  });
});
