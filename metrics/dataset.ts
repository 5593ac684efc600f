// A labelled image folder: labels.csv with `file,wnid,index,label` (ImageNet
// class index 0..999; compare by index — two classes share the label "crane").
import fs from 'node:fs';
import path from 'node:path';

export interface LabelledImage {
  file: string;
  path: string;
  index: number;
}

export function loadDataset(dir: string): LabelledImage[] {
  const csv = path.join(dir, 'labels.csv');
  if (!fs.existsSync(csv)) throw new Error(`no labels.csv in ${dir}: expected lines "file,wnid,index,label"`);
  return fs
    .readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, , index] = line.split(',');
      return { file: file!, path: path.join(dir, file!), index: Number(index) };
    });
}
