// The upload client as its own process, so it can run inside the lossy
// link's network namespace. Reads an UploadPlan (JSON) on stdin and writes
// each UploadResult on stdout as one JSON line, as it settles.
import { text } from 'node:stream/consumers';
import { runOpenLoop, type UploadPlan } from './upload-client.ts';

const plan = JSON.parse(await text(process.stdin)) as UploadPlan;
await runOpenLoop(plan, (result) => process.stdout.write(`${JSON.stringify(result)}\n`));
