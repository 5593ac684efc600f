// Writes one study's outputs: config.json (how it was run), records.json
// (every image sent, raw), summary.csv and latency.csv (one row per loss
// rate and repeat), and the graphs as SVG.
import fs from 'node:fs';
import path from 'node:path';
import { latencyRows, summaryRows, toCsv } from './csv-tables.ts';
import type { JobRecord } from './job-records.ts';
import { bucketOf } from './outcomes.ts';
import { plotSpecs, renderSvg } from './plots.ts';
import type { LossSummary } from './summary.ts';

export async function writeResults(outDir: string, config: object, records: readonly JobRecord[], summaries: readonly LossSummary[]): Promise<string[]> {
  fs.mkdirSync(outDir, { recursive: true });
  const files: Record<string, string> = {
    'config.json': JSON.stringify(config, null, 2),
    // The bucket is derived, written beside the raw fields for whoever reads the file.
    'records.json': JSON.stringify(
      records.map((record) => ({ ...record, bucket: bucketOf(record) })),
      null,
      2,
    ),
    'summary.csv': toCsv(summaryRows(summaries)),
    'latency.csv': toCsv(latencyRows(summaries)),
  };
  for (const [name, spec] of Object.entries(plotSpecs(summaries))) files[name] = await renderSvg(spec);
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(outDir, name), content);
  return Object.keys(files).map((name) => path.join(outDir, name));
}
