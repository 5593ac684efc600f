// A throwaway Redis Cluster on 127.0.0.1 (three nodes, no replicas, each node's files in a temp dir) for tests
// that must show the store works on a cluster: bench:scale's (metrics/scale-cluster.ts), which can also switch a
// node's append-only file on, kill it and restart it. Its ports start at a random point below 55535, so that each
// node's bus port (+10000) is a valid port too and a cluster left by an interrupted run is not in the way.
import { BenchCluster } from '../../metrics/scale-cluster.ts';

export type RedisCluster = BenchCluster;

export function startRedisCluster(size = 3): Promise<RedisCluster> {
  return BenchCluster.start(20_000 + Math.floor(Math.random() * 30_000), size);
}
