import { describe, expect, it } from 'vitest';
import { ChromiumNotFoundError, DEFAULT_CHROMIUM_PATH, chromiumArgs, resolveChromiumPath } from '../chromium.ts';

const onlyExists = (existing: string) => (path: string) => path === existing;

describe('locating Chromium', () => {
  it('prefers --chromium, then CHROMIUM_PATH, then the Debian default', () => {
    const exists = () => true;
    expect(resolveChromiumPath({ explicitPath: '/opt/a', env: { CHROMIUM_PATH: '/opt/b' }, isExecutable: exists })).toBe('/opt/a');
    expect(resolveChromiumPath({ env: { CHROMIUM_PATH: '/opt/b' }, isExecutable: exists })).toBe('/opt/b');
    expect(resolveChromiumPath({ env: {}, isExecutable: exists })).toBe(DEFAULT_CHROMIUM_PATH);
  });

  it('does not fall back when the chosen path is missing', () => {
    expect(() =>
      resolveChromiumPath({ env: { CHROMIUM_PATH: '/opt/missing' }, isExecutable: onlyExists(DEFAULT_CHROMIUM_PATH) }),
    ).toThrow(ChromiumNotFoundError);
  });

  it('says where it looked and how to install Chromium', () => {
    const lookup = () => resolveChromiumPath({ env: {}, isExecutable: () => false });
    expect(lookup).toThrow(/not found or not executable at \/usr\/bin\/chromium \(the default\)/);
    expect(lookup).toThrow(/apt-get install chromium/);
    expect(lookup).toThrow(/CHROMIUM_PATH/);
  });

  it('names the flag when the --chromium path is wrong', () => {
    expect(() => resolveChromiumPath({ explicitPath: '/nope', isExecutable: () => false })).toThrow(/\/nope \(given with --chromium\)/);
  });

  it('checks the real file system by default', () => {
    expect(() => resolveChromiumPath({ explicitPath: '/definitely/not/chromium' })).toThrow(ChromiumNotFoundError);
  });
});

describe('Chromium flags', () => {
  it('runs headless with a fresh profile and no background throttling, extra flags last', () => {
    const args = chromiumArgs('/tmp/profile', ['--enable-unsafe-webgpu']);
    expect(args).toEqual(
      expect.arrayContaining([
        '--headless=new',
        '--no-sandbox',
        '--disable-renderer-backgrounding',
        '--disable-background-timer-throttling',
        '--disable-backgrounding-occluded-windows',
        '--user-data-dir=/tmp/profile',
      ]),
    );
    expect(args.at(-1)).toBe('--enable-unsafe-webgpu');
  });
});
