// What an upload stores, against a real master on both stores: a big upload whole, across a restart; and what it
// leaves behind when it is cut off (a hang-up, a stall) or its master stopped mid-upload: no file, none open.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { incomingDir } from '../http/upload.ts';
import { until } from '../../test/support/jobs-client.ts';
import { tempDataDir } from '../../test/support/test-master.ts';
import { jpeg, part, UPLOAD_STORES, uploadMasters } from '../../test/support/upload-masters.ts';

/** The same JPEG with a comment naming `n` after its start-of-image marker: distinct bytes, still a valid image. */
function numbered(image: Buffer, n: number): Buffer {
  const comment = Buffer.from(`upload ${n}`);
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([image.subarray(0, 2), segment, comment, image.subarray(2)]);
}

describe.each(UPLOAD_STORES)('uploads on $name', (store) => {
  const uploads = uploadMasters(store);

  it('stores a big upload (30 images of 2 MB) whole, serves the same bytes, leases their prepared images, and keeps no file of it in the incoming folder', async () => {
    const master = await uploads.start({ maxUploadBytesInFlight: 256 * 1024 * 1024, maxUploadRequestBytes: 256 * 1024 * 1024 });
    const noise = await sharp(randomBytes(1600 * 1200 * 3), { raw: { width: 1600, height: 1200, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect(noise.length).toBeGreaterThan(1.5 * 1024 * 1024);
    const images = Array.from({ length: 30 }, (_, i) => ({ name: `big-${i}.jpg`, bytes: numbered(noise, i) }));
    const data = new FormData();
    for (const image of images) data.append('image', new Blob([new Uint8Array(image.bytes)]), image.name);
    const response = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data });
    expect(response.status).toBe(201);
    const { jobs } = (await response.json()) as { jobs: { id: string; fileName: string; size: number }[] };
    expect(jobs.map((job) => [job.fileName, job.size])).toEqual(images.map((image) => [image.name, image.bytes.length]));
    const sent = new Map(jobs.map((job, i) => [job.id, images[i]!.bytes]));
    for (const job of jobs) {
      const served = Buffer.from(await (await fetch(`${master.url}/api/jobs/${job.id}/image`)).arrayBuffer());
      expect(served.equals(sent.get(job.id)!)).toBe(true);
    }
    const workers = jobs.map((_, i) => ({ id: `w${i}`, name: `w${i}`, backend: 'wasm', identity: `w${i}`, workerClass: 'trusted' as const }));
    // Workers get each image prepared: the model's size, a few KB.
    const leases = await master.store.lease(workers, 30_000, Date.now());
    const leased = await Promise.all(leases.map(async (lease) => lease && { type: lease.contentType, ...(await sharp(lease.image!).metadata()) }));
    expect(leased.map((lease) => lease && [lease.type, lease.format, lease.width, lease.height])).toEqual(jobs.map(() => ['image/webp', 'webp', 224, 224]));
    await uploads.incomingEmptied();
    expect(await uploads.imagesHeld()).toBe(60);
  });

  it('leaves no file behind when the client hangs up in the middle of an upload', async () => {
    const master = await uploads.start();
    const body = Buffer.concat([part('filename="a.jpg"').subarray(0, -6), Buffer.from('\r\n'), part('filename="b.jpg"')]);
    const { port } = new URL(master.url);
    const req = http.request({
      port,
      method: 'POST',
      path: '/api/jobs',
      headers: { 'Content-Type': 'multipart/form-data; boundary=B', 'Content-Length': body.length },
    });
    req.on('error', () => {});
    // The first file whole and part of the second: both on disk when the client goes.
    req.write(body.subarray(0, body.length - jpeg.length / 2));
    await until(() => uploads.incomingFiles().length === 2, 'both files of the upload to be on disk');
    req.destroy();
    await uploads.expectNothingStored();
  });

  it('cuts off uploads that stall with 408 body-too-slow, leaving no file of them on disk and none open', async () => {
    const master = await uploads.start({ minBodyBytesPerSecond: 2_000, bodyRateWindowMs: 500 });
    // The master runs in this process: its open files are ours.
    const openFiles = () => fs.readdirSync('/proc/self/fd').length;
    const openBefore = openFiles();
    const body = Buffer.concat([
      Buffer.from('--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'),
      jpeg,
      Buffer.alloc(2_000_000),
      Buffer.from('\r\n--B--\r\n'),
    ]);
    /** Sends the headers and most of the body at once, then nothing; resolves with what the master sent before it hung up. */
    const stall = () =>
      new Promise<string>((resolve) => {
        const socket = net.connect(master.port, '127.0.0.1');
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('error', () => {});
        socket.once('close', () => resolve(answer));
        socket.write(`POST /api/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body.subarray(0, 1_500_000));
      });
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all([stall(), stall(), stall()]);
      for (const answer of answers) {
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
          error: { code: 'body-too-slow', message: 'the upload arrived slower than 2000 bytes a second; nothing was stored' },
        });
      }
    }
    await uploads.expectNothingStored();
    if (process.platform === 'linux') await until(() => openFiles() <= openBefore, 'the files of the cut-off uploads to be closed');
  });

  it('keeps images across a restart', async () => {
    // One Redis prefix for both masters: the second opens the first one's data.
    const settings = { ...store.overrides(), dataDir: tempDataDir() };
    let master = await uploads.start(settings);
    const small = await sharp(jpeg).resize(100, 100).jpeg().toBuffer();
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(jpeg)]), 'a.jpg');
    data.append('image', new Blob([new Uint8Array(small)]), 'b.jpg');
    const { jobs } = (await (await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data })).json()) as { jobs: { id: string }[] };
    await master.close();
    master = await uploads.start(settings);
    for (const [i, bytes] of [jpeg, small].entries()) {
      const served = Buffer.from(await (await fetch(`${master.url}/api/jobs/${jobs[i]!.id}/image`)).arrayBuffer());
      expect(served.equals(bytes)).toBe(true);
    }
  });

  it('sweeps files left in the incoming folder by a master that stopped mid-upload, and only those older than REQUEST_TIMEOUT_MS', async () => {
    const dataDir = tempDataDir();
    fs.mkdirSync(incomingDir(dataDir));
    const left = path.join(incomingDir(dataDir), 'left-by-a-crash');
    const recent = path.join(incomingDir(dataDir), 'another-masters-upload');
    fs.writeFileSync(left, jpeg);
    fs.writeFileSync(recent, jpeg);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(left, anHourAgo, anHourAgo);
    await uploads.start({ dataDir, requestTimeoutMs: 60_000 });
    expect(uploads.incomingFiles()).toEqual(['another-masters-upload']);
  });
});
