// The health probe of bench:hostile, in its own process so that the attacker's
// work in the bench's event loop cannot delay it: GET /livez every 50 ms (open
// loop) on a fresh connection from its own loopback address, one line out when a
// probe is sent, "sent <id>", and one per answer: "<id> <ms> <status>" (status 0:
// no answer within 2 s). The bench counts those sent and never answered too.
import http from 'node:http';

const [port, localAddress = '127.0.0.2', everyMs = '50'] = process.argv.slice(2);
let nextId = 0;

function probe(): void {
  const id = nextId++;
  process.stdout.write(`sent ${id}\n`);
  const started = performance.now();
  let reported = false;
  const report = (status: number) => {
    if (reported) return;
    reported = true;
    process.stdout.write(`${id} ${(performance.now() - started).toFixed(2)} ${status}\n`);
  };
  const req = http.get({ host: '127.0.0.1', port: Number(port), path: '/livez', localAddress, agent: false, timeout: 2000 }, (res) => {
    res.resume().on('end', () => report(res.statusCode ?? 0));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => report(0));
}

setInterval(probe, Number(everyMs));
