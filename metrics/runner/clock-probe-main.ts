// Measures the master's clock offset from where the client runs (inside the
// link's namespace). Usage: clock-probe-main.ts <master url>; prints a ClockOffset as JSON.
import { measureClockOffset } from './clock-offset.ts';

const masterUrl = process.argv[2];
if (!masterUrl) throw new Error('usage: clock-probe-main.ts <master url>');
console.log(JSON.stringify(await measureClockOffset(masterUrl)));
