import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrowserNotFoundError, browserLaunchOptions, launchBrowser, resolveBrowserPath } from '../browsers.ts';
import { chromiumArgs } from '../chromium.ts';

const onlyExists = (existing: string) => (path: string) => path === existing;
const exists = () => true;

describe('locating a browser', () => {
  it('prefers the flag, then the environment variable, then the Debian default', () => {
    expect(resolveBrowserPath('chromium', { explicitPath: '/opt/a', env: { CHROMIUM_PATH: '/opt/b' }, isExecutable: exists })).toBe('/opt/a');
    expect(resolveBrowserPath('chromium', { env: { CHROMIUM_PATH: '/opt/b' }, isExecutable: exists })).toBe('/opt/b');
    expect(resolveBrowserPath('chromium', { env: {}, isExecutable: exists })).toBe('/usr/bin/chromium');
    expect(resolveBrowserPath('firefox', { env: { FIREFOX_PATH: '/opt/ff' }, isExecutable: exists })).toBe('/opt/ff');
    expect(resolveBrowserPath('firefox', { env: { CHROMIUM_PATH: '/opt/b' }, isExecutable: exists })).toBe('/usr/bin/firefox-esr');
  });

  it('does not fall back when the chosen path is missing', () => {
    expect(() => resolveBrowserPath('chromium', { env: { CHROMIUM_PATH: '/opt/missing' }, isExecutable: onlyExists('/usr/bin/chromium') })).toThrow(
      BrowserNotFoundError,
    );
  });

  it('says where it looked and which Debian package to install', () => {
    const chromium = () => resolveBrowserPath('chromium', { env: {}, isExecutable: () => false });
    expect(chromium).toThrow(/Chromium not found or not executable at \/usr\/bin\/chromium \(the default\)/);
    expect(chromium).toThrow(/apt-get install chromium"/);
    expect(chromium).toThrow(/CHROMIUM_PATH/);
    const firefox = () => resolveBrowserPath('firefox', { env: {}, isExecutable: () => false });
    expect(firefox).toThrow(/Firefox not found or not executable at \/usr\/bin\/firefox-esr \(the default\)/);
    expect(firefox).toThrow(/apt-get install firefox-esr"/);
    expect(firefox).toThrow(/FIREFOX_PATH \(or --firefox\)/);
  });

  it('names the flag when its path is wrong', () => {
    expect(() => resolveBrowserPath('chromium', { explicitPath: '/nope', isExecutable: () => false })).toThrow(/\/nope \(given with --chromium\)/);
    expect(() => resolveBrowserPath('firefox', { explicitPath: '/nope', isExecutable: () => false })).toThrow(/\/nope \(given with --firefox\)/);
  });

  it('checks the real file system by default', () => {
    expect(() => resolveBrowserPath('firefox', { explicitPath: '/definitely/not/firefox' })).toThrow(BrowserNotFoundError);
  });
});

describe('launch options', () => {
  it('runs Chromium headless with a fresh profile and no background throttling, extra flags last', () => {
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
    expect(browserLaunchOptions('chromium', '/usr/bin/chromium', '/tmp/profile')).toMatchObject({ pipe: true, ignoreDefaultArgs: true });
  });

  it('runs Firefox headless over WebDriver BiDi in the given profile, without timer throttling', () => {
    const options = browserLaunchOptions('firefox', '/usr/bin/firefox-esr', '/tmp/profile', ['--safe-mode']);
    expect(options).toMatchObject({ browser: 'firefox', headless: true, userDataDir: '/tmp/profile', args: ['--safe-mode'] });
    expect(options.extraPrefsFirefox).toMatchObject({ 'dom.min_background_timeout_value': 0 });
  });
});

describe('launching', () => {
  it('keeps listening to the browser’s pipes after puppeteer stops, so a late reset is no uncaught exception', { timeout: 60_000 }, async () => {
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-pipe-reset-'));
    const browser = await launchBrowser(browserLaunchOptions('chromium', resolveBrowserPath('chromium'), profileDir));
    const child = browser.process()!;
    try {
      await browser.disconnect();
      // What a browser exiting with commands it never read does to its pipes some time after that (not on cue,
      // hence the error is emitted here): without the guard, emit throws it, and in a real run it is uncaught.
      const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      // The protocol pipes (the browser's fds 3 and 4); stdout and stderr stay with puppeteer's log reader.
      const pipes = child.stdio.slice(3);
      expect(pipes).toHaveLength(2);
      for (const pipe of pipes) expect(() => pipe!.emit('error', reset)).not.toThrow();
    } finally {
      const exited = child.exitCode === null ? once(child, 'exit') : Promise.resolve();
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      fs.rmSync(profileDir, { recursive: true, force: true });
    }
  });
});
