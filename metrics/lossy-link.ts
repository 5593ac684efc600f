// A real lossy network link: a network namespace joined to the root namespace
// by a veth pair, dropping a fraction of the packets in each direction.
//
// This kernel has no netem qdisc, so loss comes from nftables inside the
// namespace (`numgen random mod 1000000 < p*1000000 drop` on input and output);
// where `tc ... netem` works it is used instead. Programs run inside the
// namespace see the master at `hostAddress`; traffic from the root namespace
// to itself never crosses the link.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { probeLoss, type MeasuredLoss } from './runner/loss-probe.ts';

const run = promisify(execFile);

/** Namespaces are named `lossy-<subnet>-<owner pid>`, so a crashed run's leftovers can be told from a live one's. */
const NAMESPACE_PATTERN = /^lossy-(\d+)-(\d+)$/;
const hostInterface = (subnet: number) => `lsy${subnet}h`;
const namespaceInterface = (subnet: number) => `lsy${subnet}n`;

export type LossMechanism = 'netem' | 'nftables';

export interface LossyLinkOptions {
  /** Fraction of packets dropped in each direction, 0 to 1. */
  loss: number;
}

export interface LossyLink {
  readonly nsName: string;
  /** This side of the link, in the root namespace: what programs inside dial to reach the master. */
  readonly hostAddress: string;
  /** The namespace's side of the link. */
  readonly nsAddress: string;
  readonly mechanism: LossMechanism;
  /** The command line that runs `program args` inside the namespace (for spawn). */
  wrap(program: string, args?: readonly string[]): { command: string; args: string[] };
  /** Runs a program inside the namespace to completion. */
  exec(program: string, args?: readonly string[]): Promise<{ stdout: string; stderr: string }>;
  setLoss(loss: number): Promise<void>;
  /** Sends UDP probes across the link and counts what arrives each way. */
  measureLoss(packets?: number): Promise<MeasuredLoss>;
  /** Removes the namespace and both ends of the veth; safe to call twice. */
  destroy(): Promise<void>;
}

export class LossyLinkError extends Error {
  override name = 'LossyLinkError';
}

let mechanismDetected: LossMechanism | undefined;

export async function createLossyLink({ loss }: LossyLinkOptions): Promise<LossyLink> {
  checkLoss(loss);
  await checkPrerequisites();
  await removeStaleLinks();
  const { subnet, nsName } = await claimSubnet();
  const hostAddress = `10.77.${subnet}.1`;
  const nsAddress = `10.77.${subnet}.2`;
  const hostIf = hostInterface(subnet);
  const nsIf = namespaceInterface(subnet);
  const inside = (program: string, args: readonly string[] = []) => ({
    command: 'ip',
    args: ['netns', 'exec', nsName, program, ...args],
  });

  let destroyed = false;
  const destroySync = () => {
    if (destroyed) return;
    destroyed = true;
    // The veth first: a deleted namespace frees its interfaces only later, in the background.
    for (const args of [
      ['link', 'del', hostIf],
      ['netns', 'del', nsName],
    ]) {
      try {
        execFileSync('ip', args, { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    }
  };
  // A run that ends without calling destroy() (an exception, process.exit) still cleans up.
  process.once('exit', destroySync);
  const destroyNow = () => {
    process.off('exit', destroySync);
    destroySync();
  };

  try {
    await ip(['link', 'set', nsIf, 'netns', nsName]);
    await ip(['addr', 'add', `${hostAddress}/24`, 'dev', hostIf]);
    await ip(['link', 'set', hostIf, 'up']);
    await ip(['netns', 'exec', nsName, 'ip', 'addr', 'add', `${nsAddress}/24`, 'dev', nsIf]);
    await ip(['netns', 'exec', nsName, 'ip', 'link', 'set', nsIf, 'up']);
    // Chromium and Node expect a working loopback; loss applies only to the veth.
    await ip(['netns', 'exec', nsName, 'ip', 'link', 'set', 'lo', 'up']);
    mechanismDetected ??= (await netemWorks(hostIf)) ? 'netem' : 'nftables';
    if (mechanismDetected === 'nftables') await requireTool('nft', ['--version'], 'apt-get install -y nftables (this kernel has no netem)');
  } catch (error) {
    destroyNow();
    if (error instanceof LossyLinkError) throw error;
    throw new LossyLinkError(`could not set up the link in namespace ${nsName}: ${describe(error)}`);
  }

  const mechanism = mechanismDetected;
  const applyLoss = async (fraction: number) => {
    if (mechanism === 'netem') {
      const percent = `${(fraction * 100).toFixed(3)}%`;
      await run('tc', ['qdisc', 'replace', 'dev', hostIf, 'root', 'netem', 'loss', percent]);
      await run('ip', ['netns', 'exec', nsName, 'tc', 'qdisc', 'replace', 'dev', nsIf, 'root', 'netem', 'loss', percent]);
    } else {
      await nftInside(nsName, lossRuleset(nsIf, fraction));
    }
  };

  try {
    await applyLoss(loss);
  } catch (error) {
    destroyNow();
    throw new LossyLinkError(`could not apply ${loss} loss with ${mechanism}: ${describe(error)}`);
  }

  return {
    nsName,
    hostAddress,
    nsAddress,
    mechanism,
    wrap: inside,
    exec(program, args = []) {
      const { command, args: wrapped } = inside(program, args);
      return run(command, wrapped);
    },
    async setLoss(fraction) {
      checkLoss(fraction);
      await applyLoss(fraction);
    },
    measureLoss(packets) {
      return probeLoss({ hostAddress, wrap: inside, packets });
    },
    async destroy() {
      destroyNow();
    },
  };
}

/** A packet is dropped when a random number below this is below loss × this. */
const LOSS_STEPS = 1_000_000;

/**
 * One nftables transaction that replaces the whole table, so changing the loss
 * never leaves a moment without rules. Only the veth is touched, not loopback.
 */
export function lossRuleset(nsInterface: string, loss: number): string {
  // In millionths, so a loss like 0.0004 drops what it says (in thousandths it rounded to none).
  const threshold = Math.round(loss * LOSS_STEPS);
  return [
    'table inet lossy',
    'delete table inet lossy',
    'table inet lossy {',
    `  chain input { type filter hook input priority 0; policy accept; iifname "${nsInterface}" numgen random mod ${LOSS_STEPS} < ${threshold} drop; }`,
    `  chain output { type filter hook output priority 0; policy accept; oifname "${nsInterface}" numgen random mod ${LOSS_STEPS} < ${threshold} drop; }`,
    '}',
    '',
  ].join('\n');
}

function checkLoss(loss: number): void {
  if (!Number.isFinite(loss) || loss < 0 || loss > 1) throw new LossyLinkError(`loss must be a fraction from 0 to 1, got ${loss}`);
}

async function checkPrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new LossyLinkError('a lossy link needs root (CAP_NET_ADMIN) to create network namespaces and veth pairs; run as root');
  }
  await requireTool('ip', ['-V'], 'apt-get install -y iproute2');
}

async function requireTool(tool: string, versionArgs: string[], install: string): Promise<void> {
  try {
    await run(tool, versionArgs);
  } catch {
    throw new LossyLinkError(`a lossy link needs "${tool}" on the PATH (${install})`);
  }
}

/** Picks the lowest free 10.77.N.0/24: the veth name is the atomic claim, since two interfaces cannot share a name. */
async function claimSubnet(): Promise<{ subnet: number; nsName: string }> {
  const taken = new Set((await listNamespaces()).map((name) => Number(NAMESPACE_PATTERN.exec(name)?.[1])));
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show']);
  for (const match of stdout.matchAll(/inet 10\.77\.(\d+)\./g)) taken.add(Number(match[1]));
  for (let subnet = 1; subnet <= 254; subnet++) {
    if (taken.has(subnet)) continue;
    const nsName = `lossy-${subnet}-${process.pid}`;
    await ip(['netns', 'add', nsName]);
    try {
      await ip(['link', 'add', hostInterface(subnet), 'type', 'veth', 'peer', 'name', namespaceInterface(subnet)]);
      return { subnet, nsName };
    } catch (error) {
      await ip(['netns', 'del', nsName]);
      // "File exists": another run claimed this subnet a moment ago. Anything else will not go away by trying the next one.
      if (!/File exists/.test(describe(error))) throw new LossyLinkError(`could not create a veth pair: ${describe(error)}`);
    }
  }
  throw new LossyLinkError('no free 10.77.N.0/24 subnet for a lossy link (254 in use)');
}

/** Namespaces whose owning process is gone, and veths left without a namespace, from runs that crashed. */
async function removeStaleLinks(): Promise<void> {
  const namespaces = await listNamespaces();
  const live = new Set<number>();
  for (const name of namespaces) {
    const [, subnet, pid] = NAMESPACE_PATTERN.exec(name) ?? [];
    if (!subnet) continue;
    if (processAlive(Number(pid))) live.add(Number(subnet));
    else await ip(['netns', 'del', name]).catch(() => undefined);
  }
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  for (const match of stdout.matchAll(/^\d+: (lsy(\d+)h)@/gm)) {
    if (!live.has(Number(match[2]))) await ip(['link', 'del', match[1]!]).catch(() => undefined);
  }
}

async function listNamespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((line) => line.split(' ')[0]!)
    .filter((name) => NAMESPACE_PATTERN.test(name));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function netemWorks(device: string): Promise<boolean> {
  try {
    await run('tc', ['qdisc', 'add', 'dev', device, 'root', 'netem', 'loss', '0%']);
    return true;
  } catch {
    return false;
  }
}

async function nftInside(nsName: string, ruleset: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = execFile('ip', ['netns', 'exec', nsName, 'nft', '-f', '-'], (error, _stdout, stderr) =>
      error ? reject(new Error(`nft refused the ruleset: ${stderr.trim() || error.message}`)) : resolve(),
    );
    child.stdin!.end(ruleset);
  });
}

async function ip(args: string[]): Promise<void> {
  try {
    await run('ip', args);
  } catch (error) {
    throw new Error(`ip ${args.join(' ')}: ${describe(error)}`, { cause: error });
  }
}

function describe(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr || (error instanceof Error ? error.message : String(error));
}
