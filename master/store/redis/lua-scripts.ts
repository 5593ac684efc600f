// The Lua scripts that make each job transition one atomic step in Redis.
// They live as .lua files beside this one in the sources (readable, diffable, runnable with redis-cli), found
// from the project root so the compiled master reads the same files; each script is the shared library followed
// by its own body.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { projectRoot } from '../../project-root.ts';

export type ScriptArg = string | number | Buffer;
export type RedisClient = Redis | Cluster;

export const readLua = (name: string) => fs.readFileSync(path.join(projectRoot, 'master/store/redis', `${name}.lua`), 'utf8');

const LIBRARY = ['attempt-rules', 'job-lib'].map(readLua).join('\n');

/** A script sent by its hash; its source goes over the wire only when Redis lacks it (first use, or after a restart). */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs with string replies; `keys` are every key the script touches. */
  run(redis: RedisClient, keys: string[], args: ScriptArg[]): Promise<unknown> {
    return this.send(keys, args, (command, commandArgs) => redis.call(command, commandArgs));
  }

  /**
   * Runs with its source (EVAL), for a script sent behind commands that may not have been answered yet: an EVALSHA
   * that times out behind them never hears NOSCRIPT, so the script would never be sent again.
   */
  runBySource(redis: RedisClient, keys: string[], args: ScriptArg[]): Promise<unknown> {
    return redis.call('EVAL', [this.source, keys.length, ...keys, ...args]);
  }

  /** Runs with Buffer replies, for binary values such as images. */
  runForBuffers(redis: RedisClient, keys: string[], args: ScriptArg[]): Promise<unknown> {
    return this.send(keys, args, (command, commandArgs) => redis.callBuffer(command, commandArgs));
  }

  private async send(keys: string[], args: ScriptArg[], call: (command: string, args: ScriptArg[]) => Promise<unknown>): Promise<unknown> {
    try {
      return await call('EVALSHA', [this.sha, keys.length, ...keys, ...args]);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return call('EVAL', [this.source, keys.length, ...keys, ...args]);
    }
  }
}

/** A script that may call call_in_slices (call-in-slices.lua) on a batch too long for one unpack. */
export const slicedScript = (body: string) => new LuaScript(`${readLua('call-in-slices')}\n${body}`);

const jobScript = (name: string) => new LuaScript(`${LIBRARY}\n${readLua(name)}`);

export const jobScripts = {
  create: jobScript('create'),
  lease: jobScript('lease'),
  openTo: jobScript('open-to'),
  complete: jobScript('complete'),
  vote: jobScript('vote'),
  settleWaiting: jobScript('settle-waiting'),
  reopen: jobScript('reopen'),
  endWithoutResult: jobScript('end-without-result'),
  // Ends each lease as end-without-result.lua does: that script's body, as a function of its ARGV.
  releaseUnsent: new LuaScript(`${LIBRARY}\nlocal function end_without_result(ARGV)\n${readLua('end-without-result')}\nend\n${readLua('release-unsent')}`),
  retry: jobScript('retry'),
  remove: jobScript('remove'),
  clear: jobScript('clear'),
  leasesDue: jobScript('leases-due'),
  leasesHeldBy: jobScript('leases-held-by'),
  expireImages: jobScript('expire-images'),
  expireJobs: jobScript('expire-jobs'),
  forgetIdempotency: jobScript('forget-idempotency'),
  indexEnded: jobScript('index-ended'),
  indexOpen: jobScript('index-open'),
  indexAnswers: jobScript('index-answers'),
};
