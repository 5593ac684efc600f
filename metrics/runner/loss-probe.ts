// Measures what a lossy link really drops, each way, with numbered UDP probes:
// a sender inside the namespace, an echo in the root namespace. Counting at
// both ends separates the two directions, which a ping's round trip cannot.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface MeasuredLoss {
  packets: number;
  /** Namespace → root namespace. */
  forwardLoss: number;
  /** Root namespace → namespace, over the probes that arrived. */
  returnLoss: number;
  roundTripLoss: number;
}

export interface ProbeTarget {
  hostAddress: string;
  wrap(program: string, args: readonly string[]): { command: string; args: string[] };
  packets?: number | undefined;
}

const INTERVAL_MS = 5;
const DRAIN_MS = 500;

// Runs under `node -e` inside the namespace: sends numbered datagrams, prints how many came back.
const SENDER = `
const dgram = require('node:dgram');
const [host, port, count, interval, drain] = process.argv.slice(1).map((a, i) => (i === 0 ? a : Number(a)));
const socket = dgram.createSocket('udp4');
const echoed = new Set();
socket.on('message', (message) => echoed.add(message.readUInt32BE(0)));
let sent = 0;
const timer = setInterval(() => {
  const packet = Buffer.alloc(4);
  packet.writeUInt32BE(sent);
  socket.send(packet, port, host);
  if (++sent === count) {
    clearInterval(timer);
    setTimeout(() => { console.log(JSON.stringify({ echoed: echoed.size })); socket.close(); }, drain);
  }
}, interval);
`;

export async function probeLoss({ hostAddress, wrap, packets = 400 }: ProbeTarget): Promise<MeasuredLoss> {
  const echo = dgram.createSocket('udp4');
  const received = new Set<number>();
  echo.on('message', (message, from) => {
    received.add(message.readUInt32BE(0));
    echo.send(message, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    echo.once('error', reject);
    echo.bind(0, hostAddress, resolve);
  });
  try {
    const { port } = echo.address() as AddressInfo;
    const sender = wrap(process.execPath, ['-e', SENDER, hostAddress, String(port), String(packets), String(INTERVAL_MS), String(DRAIN_MS)]);
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(sender.command, sender.args, (error, out, err) => (error ? reject(new Error(`loss probe failed: ${err || error.message}`)) : resolve(out))),
    );
    const { echoed } = JSON.parse(stdout) as { echoed: number };
    return {
      packets,
      forwardLoss: 1 - received.size / packets,
      returnLoss: received.size ? 1 - echoed / received.size : Number.NaN,
      roundTripLoss: 1 - echoed / packets,
    };
  } finally {
    echo.close();
  }
}
