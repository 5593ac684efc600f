// A labelled image folder: labels.csv with `file,wnid,index,label` (ImageNet
// class index 0..999; compare by index — two classes share the label "crane").
// Columns are read by position, so the header must be that one, and every index
// a whole number: a class read wrongly would score every answer without a word.
import fs from 'node:fs';
import path from 'node:path';

export interface LabelledImage {
  file: string;
  path: string;
  index: number;
}

const HEADER = 'file,wnid,index,label';

export function loadDataset(dir: string): LabelledImage[] {
  const csv = path.join(dir, 'labels.csv');
  if (!fs.existsSync(csv)) throw new Error(`no labels.csv in ${dir}: expected lines "${HEADER}"`);
  const [header, ...lines] = fs.readFileSync(csv, 'utf8').trim().split(/\r?\n/);
  if (header !== HEADER) throw new Error(`${csv}: expected the header "${HEADER}", not "${header}"`);
  return lines.map((line, i) => {
    const [file, , index] = line.split(',');
    if (!file || !/^\d+$/.test(index ?? '')) throw new Error(`${csv}:${i + 2}: expected a file and a whole class index, got "${line}"`);
    return { file, path: path.join(dir, file), index: Number(index) };
  });
}

/** loadDataset for a command's --images: a folder that is not one stops it in one line and exit 1, not a stack trace. */
export function loadDatasetOrExit(command: string, dir: string): LabelledImage[] {
  try {
    return loadDataset(dir);
  } catch (error) {
    console.error(`${command}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
