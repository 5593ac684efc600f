// The Redis store's images: a field of the `images` hash per job (redis-keys.ts),
// and of the `prepared` hash for the small image workers receive.
// An upload's files go in one at a time, each to its own `incoming` key with
// a short expiry (its prepared image beside it), so no request's images are ever all in the master's memory
// or in one command; create.lua moves them into the hash when it accepts the
// jobs. A refused create deletes them; one that never ran (the master died,
// Redis went away) leaves them to expire.
import type { RedisClient } from '../store/redis/lua-scripts.ts';
import { execBatch, reachRedis } from '../store/redis/redis-connection.ts';
import type { RedisKeys } from '../store/redis/redis-keys.ts';
import type { ImageStore, UploadedFile } from './image-store.ts';
import { readUpload } from './read-upload.ts';

/** Long enough for the create that follows the last file of the largest request; short enough that a dead master's leftovers go soon. */
const INCOMING_TTL_MS = 10 * 60_000;

export class RedisImageStore implements ImageStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async put(images: { jobId: string; file: UploadedFile; prepared?: Uint8Array }[]): Promise<void> {
    for (const { jobId, file, prepared } of images) {
      const bytes = await readUpload(file);
      await reachRedis(() => this.redis.set(this.keys.incoming(jobId), bytes, 'PX', INCOMING_TTL_MS));
      if (prepared) await reachRedis(() => this.redis.set(this.keys.incomingPrepared(jobId), Buffer.from(prepared), 'PX', INCOMING_TTL_MS));
    }
  }

  async get(jobId: string): Promise<Buffer | null> {
    return reachRedis(() => this.redis.hgetBuffer(this.keys.images, jobId));
  }

  async getPrepared(jobId: string): Promise<Buffer | null> {
    return reachRedis(() => this.redis.hgetBuffer(this.keys.prepared, jobId));
  }

  async delete(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    // One slot (the store's hash tag), so one transaction even on a cluster.
    await execBatch(
      this.redis
        .multi()
        .del(...jobIds.flatMap((jobId) => [this.keys.incoming(jobId), this.keys.incomingPrepared(jobId)]))
        .hdel(this.keys.images, ...jobIds)
        .hdel(this.keys.prepared, ...jobIds),
    );
  }
}
