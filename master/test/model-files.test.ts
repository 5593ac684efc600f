// The model folder the master serves: the shipped default, its SHA256SUMS, and what a damaged copy does at start.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConfig } from '../config.ts';
import { ModelError } from '../model/model-error.ts';
import { loadModelFiles } from '../model/model-files.ts';
import { defaultModelDir, projectRoot } from '../../test/support/paths.ts';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A writable copy of the shipped model folder. */
function copyOfShippedModel(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-model-'));
  temps.push(dir);
  fs.cpSync(defaultModelDir, dir, { recursive: true });
  for (const file of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, file), 0o644);
  return dir;
}

function loadError(dir: string): Error {
  try {
    loadModelFiles(dir, [-1, 1]);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`loading ${dir} did not fail`);
}

describe('the shipped model', () => {
  it('is the default MODEL_DIR, inside the project', () => {
    expect(makeConfig({}).modelDir).toBe(path.join(projectRoot, 'models/mobilenet-v2-100-224-graph'));
    expect(makeConfig({}).modelDir).toBe(defaultModelDir);
  });

  it('matches its SHA256SUMS, which lists exactly the files the master serves', () => {
    const model = loadModelFiles(defaultModelDir, [-1, 1]);
    expect(model.checksummed).toBe(true);
    expect([...model.files].sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json']);
    const listed = fs
      .readFileSync(path.join(defaultModelDir, 'SHA256SUMS'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+\*?/)[1]);
    expect(listed.sort()).toEqual([...model.files].sort());
    expect(model.view).toMatchObject({ name: 'mobilenet-v2-100-224-graph', inputRange: [-1, 1], imageSize: 224 });
  });
});

describe('SHA256SUMS in a model folder', () => {
  it('refuses a weight file that differs, naming it and both hashes', () => {
    const dir = copyOfShippedModel();
    const shard = path.join(dir, 'group1-shard2of2.bin');
    const bytes = fs.readFileSync(shard);
    bytes[1000] = bytes[1000]! ^ 0xff;
    fs.writeFileSync(shard, bytes);
    const error = loadError(dir);
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toContain(`model file ${shard} does not match ${path.join(dir, 'SHA256SUMS')}`);
    expect(error.message).toMatch(/its SHA-256 is [0-9a-f]{64}, expected 96278637e28b3413bb44efab290842e34e5c7baeaaad2ee74e44d429becebf0a/);
  });

  it('refuses a truncated model.json in one line naming it, not with the JSON it could not parse', () => {
    const dir = copyOfShippedModel();
    const modelJson = path.join(dir, 'model.json');
    fs.writeFileSync(modelJson, fs.readFileSync(modelJson).subarray(0, 500));
    const error = loadError(dir);
    expect(error).toBeInstanceOf(ModelError);
    expect(error.message).toBe(`${modelJson} is not valid JSON (truncated or damaged?): restore the model folder (see README, "The model")`);
  });

  it('refuses a served file the checksum file does not list', () => {
    const dir = copyOfShippedModel();
    const sums = path.join(dir, 'SHA256SUMS');
    fs.writeFileSync(
      sums,
      fs
        .readFileSync(sums, 'utf8')
        .split('\n')
        .filter((line) => !line.endsWith('model.json'))
        .join('\n'),
    );
    expect(loadError(dir).message).toBe(`model file ${path.join(dir, 'model.json')} is not listed in ${sums}`);
  });

  it('refuses a checksum file it cannot read, naming the line', () => {
    const dir = copyOfShippedModel();
    fs.appendFileSync(path.join(dir, 'SHA256SUMS'), 'not a checksum\n');
    expect(loadError(dir).message).toBe(`${path.join(dir, 'SHA256SUMS')} line 4 is not "<sha256>  <file>": "not a checksum"`);
  });

  it("accepts sha256sum's binary-mode lines", () => {
    const dir = copyOfShippedModel();
    const sums = path.join(dir, 'SHA256SUMS');
    fs.writeFileSync(sums, fs.readFileSync(sums, 'utf8').replaceAll('  ', ' *'));
    expect(loadModelFiles(dir, [-1, 1]).checksummed).toBe(true);
  });

  it('is optional: a folder without one (any other model) loads unchecked', () => {
    const dir = copyOfShippedModel();
    fs.rmSync(path.join(dir, 'SHA256SUMS'));
    const model = loadModelFiles(dir, [-1, 1]);
    expect(model.checksummed).toBe(false);
    expect(model.view.hash).toBe(loadModelFiles(defaultModelDir, [-1, 1]).view.hash);
  });

  it('stops the master at start with the file named, before it listens', () => {
    const dir = copyOfShippedModel();
    fs.appendFileSync(path.join(dir, 'group1-shard1of2.bin'), 'x');
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-data-'));
    temps.push(dataDir);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'master/main.ts'], {
      cwd: projectRoot,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', MODEL_DIR: dir, DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`master: model file ${path.join(dir, 'group1-shard1of2.bin')} does not match`);
    expect(run.stdout).not.toContain('master listening');
  });
});
