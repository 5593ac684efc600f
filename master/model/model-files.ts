// The model the master serves to its workers: a TF.js graph model folder,
// pinned by a content hash that is part of every file URL.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ModelView } from '../api-types.ts';
import { verifyChecksums } from './checksums.ts';
import { ModelError } from './model-error.ts';

export interface ModelFiles {
  view: ModelView;
  dir: string;
  /** The only file names that may be served from `dir`. */
  files: Set<string>;
  /** Whether the files matched the folder's SHA256SUMS (false: the folder has none). */
  checksummed: boolean;
}

interface ModelJson {
  format?: string;
  modelTopology?: { node?: { op: string; attr?: { shape?: { shape?: { dim?: { size: string }[] } } } }[] };
  weightsManifest?: { paths: string[] }[];
}

export function loadModelFiles(dir: string, inputRange: [number, number]): ModelFiles {
  const modelJsonPath = path.join(dir, 'model.json');
  if (!fs.existsSync(modelJsonPath)) {
    throw new ModelError(`no model.json in ${dir}: set MODEL_DIR to a TF.js graph model folder (see README, "The model")`);
  }
  const modelJson = readModelJson(modelJsonPath);
  if (modelJson.format !== 'graph-model') {
    throw new ModelError(`${modelJsonPath} is a "${modelJson.format ?? 'unknown'}" model; workers load TF.js graph models (format "graph-model")`);
  }
  const weightFiles = (modelJson.weightsManifest ?? []).flatMap((group) => group.paths);
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of ['model.json', ...weightFiles]) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) throw new ModelError(`model file ${full} named in model.json is missing`);
    const content = fs.readFileSync(full);
    hash.update(file).update(content);
    bytes += content.length;
  }
  const digest = hash.digest('hex').slice(0, 16);
  const files = new Set(['model.json', ...weightFiles]);
  return {
    dir,
    files,
    checksummed: verifyChecksums(dir, files),
    view: {
      name: path.basename(path.resolve(dir)),
      hash: digest,
      url: `/models/${digest}/model.json`,
      inputRange,
      bytes,
      imageSize: inputSize(modelJson),
    },
  };
}

/** model.json, parsed; a truncated or damaged one is named in one line, not dumped in a SyntaxError. */
function readModelJson(file: string): ModelJson {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new ModelError(`${file} is not valid JSON (truncated or damaged?): restore the model folder (see README, "The model")`);
  }
}

/** Height of the input placeholder ([-1, H, W, 3]); MobileNets use 224. */
function inputSize(modelJson: ModelJson): number {
  const input = modelJson.modelTopology?.node?.find((node) => node.op === 'Placeholder');
  const height = Number(input?.attr?.shape?.shape?.dim?.[1]?.size);
  return Number.isInteger(height) && height > 0 ? height : 224;
}
