// Command-line options of `npm run fleet`, parsed and validated by commander.
import { Command, InvalidArgumentError, Option } from 'commander';
import { FLEET_TOKEN_LENGTH, KNOWN_BACKENDS, type KnownBackend } from '../master/protocol.ts';
import { BROWSER_INSTALLS, BROWSER_NAMES, type BrowserName } from './browsers.ts';

export interface CliOptions {
  master: string;
  workers: number;
  browser: BrowserName;
  chromium?: string;
  firefox?: string;
  name: string;
  /** Seconds between status reports, within FLEET_LIMITS.statusInterval; 0 turns them off. */
  statusInterval: number;
  browserArg: string[];
  /** The master's FLEET_TOKEN, so the workers join as trusted. */
  fleetToken?: string;
  backend?: KnownBackend;
}

/** The bounds the fleet refuses values past, each stated in headless-worker/README.md (test/docs/fleet-options.test.ts). */
export const FLEET_LIMITS = {
  /** Each worker is a whole browser with its own profile: a fleet larger than this belongs on more machines. */
  workers: { min: 1, max: 64 },
  /**
   * Seconds between status reports: a shorter interval floods the log (a line per worker each time), and Node runs a
   * timer longer than 2^31 - 1 ms (24.8 days) every 1 ms instead; a day is long enough.
   */
  statusInterval: { min: 1, max: 86_400 },
  /** Characters of the name prefix: with `-<i>` after it, a worker name stays within the hello's MAX_WORKER_NAME_LENGTH (64). */
  name: { min: 1, max: 48 },
} as const;
const { workers: WORKERS, statusInterval: STATUS_INTERVAL_S } = FLEET_LIMITS;
const NAME_PREFIX_PATTERN = new RegExp(`^[A-Za-z0-9._-]{${FLEET_LIMITS.name.min},${FLEET_LIMITS.name.max}}$`);

export function createCli(): Command {
  return new Command('fleet')
    .description('Run headless Chromium or Firefox workers on the worker page of a browser-grid master.')
    .option('--master <url>', 'master base URL', parseMasterUrl, 'http://127.0.0.1:5000')
    .option('--workers <n>', `number of browsers (${WORKERS.min}-${WORKERS.max})`, parseWorkerCount, 2)
    .addOption(new Option('--browser <name>', 'which browser the workers run').choices(BROWSER_NAMES).default('chromium'))
    .option('--chromium <path>', 'Chromium/Chrome executable (default: $CHROMIUM_PATH, then /usr/bin/chromium)')
    .option('--firefox <path>', 'Firefox executable (default: $FIREFOX_PATH, then /usr/bin/firefox-esr)')
    .option('--name <prefix>', 'worker name prefix; workers are <prefix>-1 … <prefix>-N', parseNamePrefix, 'headless')
    .option(
      '--status-interval <seconds>',
      `seconds between JSON status lines when not at a terminal (a terminal gets a live table): ${STATUS_INTERVAL_S.min}-${STATUS_INTERVAL_S.max}, or 0 for none`,
      parseStatusInterval,
      10,
    )
    .addOption(
      new Option(
        '--fleet-token <token>',
        `the master's FLEET_TOKEN (${FLEET_TOKEN_LENGTH.min}-${FLEET_TOKEN_LENGTH.max} characters, or off for none): workers join as trusted (prefer the environment variable)`,
      ).env('FLEET_TOKEN'),
    )
    .addOption(
      new Option('--backend <name>', 'a TF.js backend every page uses instead of the fastest it has (to measure how backends disagree)').choices(
        KNOWN_BACKENDS,
      ),
    )
    .option('--browser-arg <flag>', 'extra browser flag, repeatable (e.g. --browser-arg=--enable-unsafe-webgpu for Chromium)', collect, [])
    .allowExcessArguments(false);
}

/** Parses user arguments (without node and script); commander prints help or errors and exits on its own. */
export function parseCliOptions(args: readonly string[], command: Command = createCli()): CliOptions {
  const options = command.parse(args, { from: 'user' }).opts<CliOptions>();
  // A shell that runs the master with FLEET_TOKEN=off (no worker trusted) runs its fleet as volunteers.
  if (options.fleetToken === 'off') delete options.fleetToken;
  const problem = fleetTokenProblem(options.fleetToken) ?? otherBrowserPathProblem(options);
  if (problem) command.error(`error: ${problem}`);
  return options;
}

/** Checked after parsing rather than by an option parser, whose error would repeat the token. */
function fleetTokenProblem(fleetToken: string | undefined): string | undefined {
  if (fleetToken === undefined || (fleetToken.length >= FLEET_TOKEN_LENGTH.min && fleetToken.length <= FLEET_TOKEN_LENGTH.max)) return undefined;
  return `the fleet token (FLEET_TOKEN or --fleet-token) has ${fleetToken.length} characters; the master takes one of ${FLEET_TOKEN_LENGTH.min} to ${FLEET_TOKEN_LENGTH.max}`;
}

/** A path given for the browser the fleet does not run would be ignored: more likely a mistake than meant. */
function otherBrowserPathProblem(options: CliOptions): string | undefined {
  const other = BROWSER_NAMES.find((name) => name !== options.browser && options[name] !== undefined);
  if (!other) return undefined;
  const { flag, label } = BROWSER_INSTALLS[other];
  return `${flag} gives a ${label} executable, but --browser is ${options.browser}: drop ${flag}, or use --browser ${other}`;
}

export function parseMasterUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be a URL such as http://127.0.0.1:5000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  return value;
}

export function parseWorkerCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < WORKERS.min || count > WORKERS.max) {
    throw new InvalidArgumentError(`must be a whole number from ${WORKERS.min} to ${WORKERS.max}`);
  }
  return count;
}

export function parseNamePrefix(value: string): string {
  if (!NAME_PREFIX_PATTERN.test(value)) {
    throw new InvalidArgumentError(`must be ${FLEET_LIMITS.name.min}-${FLEET_LIMITS.name.max} letters, digits, dots, dashes or underscores`);
  }
  return value;
}

export function parseStatusInterval(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !(seconds === 0 || (seconds >= STATUS_INTERVAL_S.min && seconds <= STATUS_INTERVAL_S.max))) {
    throw new InvalidArgumentError(`must be a number of seconds from ${STATUS_INTERVAL_S.min} to ${STATUS_INTERVAL_S.max} (a day), or 0 for none`);
  }
  return seconds;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
