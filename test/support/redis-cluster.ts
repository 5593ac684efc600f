// A throwaway Redis Cluster on 127.0.0.1 (three nodes, no replicas, each node's files in a temp dir) for tests
// that must show the store works on a cluster: bench:scale's (metrics/scale-cluster.ts), which can also switch a
// node's append-only file on, kill it and restart it. Its ports start at a random point, so that a cluster left by
// an interrupted run, or another test file's, is not in the way, and every node's port and bus port (+10000) lie
// below the kernel's ephemeral ports (Linux: 32768 on): a port the kernel may give any outgoing connection can be
// taken between the check that it is free and the node's bind (CI failed so once, a bus port on 56946 taken).
import { BenchCluster } from '../../metrics/scale-cluster.ts';

export type RedisCluster = BenchCluster;

const LOWEST_FIRST_PORT = 12_000;
/** Room for a few nodes past the first port, each bus port still below 32768. */
const HIGHEST_FIRST_PORT = 32_767 - 10_000 - 100;

export function startRedisCluster(size = 3): Promise<RedisCluster> {
  return BenchCluster.start(LOWEST_FIRST_PORT + Math.floor(Math.random() * (HIGHEST_FIRST_PORT - LOWEST_FIRST_PORT)), size);
}
