// The labelled folder every accuracy figure is scored against: a class index read wrongly scores every answer wrong
// (or, read as 0, right for tench) without a word.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devImagesDir } from '../../test/support/paths.ts';
import { loadDataset } from '../dataset.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function folder(labels: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dataset-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'labels.csv'), labels);
  return dir;
}

describe('labelled image folder', () => {
  it('reads each image with its class index, not its label: two classes are called "crane"', () => {
    const images = loadDataset(devImagesDir);
    expect(images).toHaveLength(200);
    expect(images[0]).toEqual({ file: 'ILSVRC2012_val_00000006.JPEG', path: path.join(devImagesDir, 'ILSVRC2012_val_00000006.JPEG'), index: 57 });
    expect(images.find((image) => image.file === 'ILSVRC2012_val_00041058.JPEG')!.index).toBe(517); // crane, the machine (134 is the bird)
  });

  it('reads a file written on Windows', () => {
    expect(loadDataset(folder('file,wnid,index,label\r\na.JPEG,n02012849,134,"crane"\r\n'))).toMatchObject([{ file: 'a.JPEG', index: 134 }]);
  });

  it('refuses columns other than file,wnid,index,label rather than reading another column as the class', () => {
    // A gold folder's gold.csv has file,index,margin: read by position, the margin would be the class.
    expect(() => loadDataset(folder('file,index,label\na.JPEG,134,"crane"\n'))).toThrow(
      /labels\.csv: expected the header "file,wnid,index,label", not "file,index,label"/,
    );
  });

  it('refuses a class index that is missing or not a whole number, naming the line', () => {
    expect(() => loadDataset(folder('file,wnid,index,label\na.JPEG,n01440764,0,tench\nb.JPEG,n02012849,,crane\n'))).toThrow(/labels\.csv:3: .*class index/);
    expect(() => loadDataset(folder('file,wnid,index,label\na.JPEG,n01440764,tench,tench\n'))).toThrow(/labels\.csv:2: .*class index/);
    expect(() => loadDataset(folder('file,wnid,index,label\na.JPEG,n01440764,1.5,tench\n'))).toThrow(/labels\.csv:2: /);
  });
});
