// A job's stored images deleted behind its store's back, as a hand in the data directory, a damaged disk or a stray
// HDEL would: the store only finds out when it leases the job (master/store/job-store.ts, LeaseWithoutImage).
import fs from 'node:fs';
import path from 'node:path';
import { partitionOf } from '../../master/store/redis/partitions.ts';
import type { RedisTarget } from '../../master/store/redis/redis-connection.ts';
import { RedisKeys } from '../../master/store/redis/redis-keys.ts';
import { redisAdmin } from './stores.ts';

/** The embedded store's: the original's file and the prepared image's under DATA_DIR/images. */
export function loseImageFiles(dataDir: string, jobId: string): void {
  for (const name of [jobId, `${jobId}.prepared`]) fs.rmSync(path.join(dataDir, 'images', name), { force: true });
}

/** The Redis store's: the job's fields of its partition's `images` and `prepared` hashes. */
export async function loseRedisImages(target: RedisTarget, prefix: string, partitions: number, jobId: string): Promise<void> {
  const keys = new RedisKeys(prefix, partitionOf(jobId, partitions), partitions);
  const admin = redisAdmin(target);
  try {
    await admin.hdel(keys.images, jobId);
    await admin.hdel(keys.prepared, jobId);
  } finally {
    await admin.quit();
  }
}
