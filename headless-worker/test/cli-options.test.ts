import { describe, expect, it } from 'vitest';
import { createCli, parseCliOptions } from '../cli-options.ts';

function parse(args: string[]) {
  const command = createCli()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return parseCliOptions(args, command);
}

describe('fleet command line', () => {
  it('has defaults for everything', () => {
    expect(parse([])).toEqual({
      master: 'http://127.0.0.1:5000',
      workers: 2,
      browser: 'chromium',
      name: 'headless',
      statusInterval: 10,
      browserArg: [],
    });
  });

  it('accepts every option', () => {
    const options = parse([
      '--master',
      'https://grid.example:8443/base',
      '--workers',
      '4',
      '--browser',
      'firefox',
      '--firefox',
      '/opt/firefox/firefox',
      '--name',
      'lab-a',
      '--status-interval',
      '2.5',
      '--browser-arg=--enable-unsafe-webgpu',
      '--browser-arg',
      '--enable-features=Vulkan',
    ]);
    expect(options).toEqual({
      master: 'https://grid.example:8443/base',
      workers: 4,
      browser: 'firefox',
      firefox: '/opt/firefox/firefox',
      name: 'lab-a',
      statusInterval: 2.5,
      browserArg: ['--enable-unsafe-webgpu', '--enable-features=Vulkan'],
    });
  });

  it.each([
    [['--workers', '0'], /--workers.*whole number from 1 to 64/],
    [['--workers', '2.5'], /whole number/],
    [['--workers', 'many'], /whole number/],
    [['--workers', '65'], /whole number/],
    [['--master', 'localhost:5000'], /http:\/\/ or https:\/\//],
    [['--master', 'not a url'], /must be a URL/],
    [['--name', 'bad name'], /letters, digits/],
    [['--browser', 'safari'], /--browser.*Allowed choices are chromium, firefox/],
    [['--status-interval', '-1'], /--status-interval.*seconds from 1 to 86400 \(a day\), or 0 for none/],
    [['--status-interval', 'soon'], /seconds from 1 to 86400/],
    [['--status-interval', '0.0001'], /seconds from 1 to 86400/],
    [['--status-interval', '0.5'], /seconds from 1 to 86400/],
    [['--status-interval', '86401'], /seconds from 1 to 86400/],
    [['--status-interval', '3000000'], /seconds from 1 to 86400/],
    [['--status-interval', 'Infinity'], /seconds from 1 to 86400/],
    [['--bogus'], /unknown option '--bogus'/],
    [
      ['--browser', 'firefox', '--chromium', '/opt/chrome/chrome'],
      /--chromium gives a Chromium executable, but --browser is firefox: drop --chromium, or use --browser chromium/,
    ],
    [['--firefox', '/opt/firefox/firefox'], /--firefox gives a Firefox executable, but --browser is chromium: drop --firefox, or use --browser firefox/],
    [['extra'], /too many arguments/],
  ])('rejects %j', (args, message) => {
    expect(() => parse(args)).toThrow(message);
  });

  it('refuses a fleet token the master would not take, without repeating it', () => {
    const saved = process.env.FLEET_TOKEN;
    try {
      expect(() => parse(['--fleet-token', 'short-token'])).toThrow(/fleet token .* has 11 characters; the master takes one of 16 to 256$/);
      expect(() => parse(['--fleet-token', 'x'.repeat(257)])).toThrow(/has 257 characters/);
      process.env.FLEET_TOKEN = 'short-token';
      expect(() => parse([])).toThrow(/has 11 characters/);
      expect(() => parse([])).not.toThrow(/short-token/);
      expect(parse(['--fleet-token', 'x'.repeat(16)]).fleetToken).toBe('x'.repeat(16));
    } finally {
      if (saved === undefined) delete process.env.FLEET_TOKEN;
      else process.env.FLEET_TOKEN = saved;
    }
  });

  it('takes the path of the browser it runs', () => {
    expect(parse(['--chromium', '/opt/chrome/chrome'])).toMatchObject({ browser: 'chromium', chromium: '/opt/chrome/chrome' });
  });

  it.each([
    ['0', 0],
    ['1', 1],
    ['2.5', 2.5],
    ['86400', 86_400],
  ])('takes --status-interval %s', (value, seconds) => {
    expect(parse(['--status-interval', value]).statusInterval).toBe(seconds);
  });

  it('takes the fleet token from FLEET_TOKEN, or from --fleet-token; off is none', () => {
    const saved = process.env.FLEET_TOKEN;
    try {
      process.env.FLEET_TOKEN = 'token-from-the-environment';
      expect(parse([]).fleetToken).toBe('token-from-the-environment');
      expect(parse(['--fleet-token', 'token-on-the-command-line']).fleetToken).toBe('token-on-the-command-line');
      // The master's word for no token means the same here: the workers join untrusted.
      process.env.FLEET_TOKEN = 'off';
      expect(parse([]).fleetToken).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.FLEET_TOKEN;
      else process.env.FLEET_TOKEN = saved;
    }
  });
});
