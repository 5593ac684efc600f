// The Redis Cluster npm run bench:scale starts for itself on 127.0.0.1: three
// masters, no replicas, each node's files in a temp dir, no persistence at
// first. Before a node is killed, AOF (fsync always) is switched on for it,
// so that, restarted on the same files, it comes back with every write it
// acknowledged. Stopped (SIGKILL) and its files deleted at the end, also after a failure.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { isPortFree, untilClusterOk } from '../common/redis-cluster-probes.ts';

const run = promisify(execFile);
/** A node listens on its port and on port + 10000 (the cluster bus), so both must be free and below 65536. */
const BUS_OFFSET = 10_000;
const HIGHEST_PORT = 65_535 - BUS_OFFSET;

export interface ClusterNode {
  port: number;
  dir: string;
  process: ChildProcess;
}

export class BenchCluster {
  private constructor(
    readonly nodes: ClusterNode[],
    private readonly root: string,
  ) {}

  /** Three nodes on the first free ports from `firstPort` on (each with port + 10000 free), joined with redis-cli --cluster create. */
  static async start(firstPort: number, size = 3): Promise<BenchCluster> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-cluster-'));
    const cluster = new BenchCluster([], root);
    try {
      for (let port = firstPort; cluster.nodes.length < size; port++) {
        if (port > HIGHEST_PORT) throw new Error(`no free port pair (p, p+${BUS_OFFSET}) from ${firstPort} to ${HIGHEST_PORT} for a cluster node`);
        if (!(await isPortFree(port)) || !(await isPortFree(port + BUS_OFFSET))) continue;
        const dir = path.join(root, String(port));
        fs.mkdirSync(dir);
        cluster.nodes.push({ port, dir, process: await startNode(port, dir, false) });
      }
      const addresses = cluster.nodes.map(({ port }) => `127.0.0.1:${port}`);
      await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
      for (const { port } of cluster.nodes) await untilClusterOk(port);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  get addresses(): { host: string; port: number }[] {
    return this.nodes.map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** The node serving the slot of `key` (e.g. the queue's `{q}` hash tag). */
  async nodeOf(key: string): Promise<ClusterNode> {
    const client = new Redis(this.nodes[0]!.port, '127.0.0.1');
    try {
      const slot = Number(await client.cluster('KEYSLOT', key));
      const range = (await client.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
      const node = range && this.nodes.find(({ port }) => port === range[2]?.[1]);
      if (!node) throw new Error(`no node of this cluster serves slot ${slot} (${key})`);
      return node;
    } finally {
      client.disconnect();
    }
  }

  /** Switches on the append-only file, fsynced on every write, and waits until it holds everything the node has. */
  async persist(node: ClusterNode): Promise<void> {
    const client = new Redis(node.port, '127.0.0.1');
    try {
      await client.config('SET', 'appendfsync', 'always');
      await client.config('SET', 'appendonly', 'yes');
      for (let i = 0; i < 600; i++) {
        const info = await client.info('persistence');
        if (/aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`the node on port ${node.port} did not finish writing its append-only file within 30 s`);
    } finally {
      client.disconnect();
    }
  }

  /** kill -9. */
  async kill(node: ClusterNode): Promise<void> {
    await stopProcess(node.process);
  }

  /** Starts the node again on its files (append-only file on), and waits until the cluster says it is ok; answers when the node was ready (epoch ms). */
  async restart(node: ClusterNode): Promise<number> {
    node.process = await startNode(node.port, node.dir, true);
    const ready = performance.timeOrigin + performance.now();
    for (const { port } of this.nodes) await untilClusterOk(port);
    return ready;
  }

  async stop(): Promise<void> {
    for (const node of this.nodes) await stopProcess(node.process);
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  pids(): number[] {
    return this.nodes.map((node) => node.process.pid!).filter(Boolean);
  }
}

async function startNode(port: number, dir: string, persistent: boolean): Promise<ChildProcess> {
  const persistence = persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence];
  // As the README says to run a cluster: with full coverage required (Redis's default), a node marked failed stops every node.
  const cluster = ['--cluster-enabled', 'yes', '--cluster-require-full-coverage', 'no', '--cluster-config-file', path.join(dir, 'nodes.conf')];
  const child = spawn('redis-server', [...args, ...cluster], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server on port ${port} exited with ${code}: ${output.slice(-2000)}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
