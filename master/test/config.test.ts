import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';

const argv = (...flags: string[]) => ['node', 'master', ...flags];

describe('configuration', () => {
  it('takes defaults, then environment, then flags', () => {
    expect(loadConfig(argv(), {}).port).toBe(5000);
    expect(loadConfig(argv(), { PORT: '6000' }).port).toBe(6000);
    expect(loadConfig(argv('--port', '7000'), { PORT: '6000' }).port).toBe(7000);
    expect(loadConfig(argv(), { MODEL_INPUT_RANGE: '0,1' }).modelInputRange).toEqual([0, 1]);
    expect(loadConfig(argv(), {}).redisUrl).toBeUndefined();
  });

  it('names the flag and the variable of every invalid setting', () => {
    let error: unknown;
    try {
      loadConfig(argv('--lease-ms', 'soon'), { PORT: '99999', REDIS_URL: 'localhost:6379' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('--port / PORT');
    expect(message).toContain('--lease-ms / LEASE_MS');
    expect(message).toContain('--redis-url / REDIS_URL');
  });
});
