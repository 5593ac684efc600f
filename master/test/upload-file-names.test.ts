// File names a stranger sends, against a real master on both stores: one that would break a line, hide or turn text
// around on a board, stack marks over the rows around it, show nothing, or that is too long, is 400 bad-file-name and
// stores nothing; real scripts and emoji are kept as they were sent.
import { describe, expect, it } from 'vitest';
import { jpeg, part, UPLOAD_STORES, uploadMasters } from '../../test/support/upload-masters.ts';

describe.each(UPLOAD_STORES)('uploads on $name', (store) => {
  const uploads = uploadMasters(store);

  it('refuses a file name with a NUL encoded in it (400 bad-file-name) and stores nothing', async () => {
    await uploads.start();
    const answer = await uploads.post('multipart/form-data; boundary=B', part("filename*=utf-8''a%00b.jpg"));
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('bad-file-name');
    await uploads.expectNothingStored();
  });

  // U+202E turns the rest around: "cat\u202Egnp.exe.png" shows as "catexe.png" (reversed: "gnp.exe"); U+2028 breaks a line.
  it.each([
    ['a bidi override', "filename*=utf-8''cat%E2%80%AEgnp.exe.png"],
    ['a zero-width space', "filename*=utf-8''cat%E2%80%8B.png"],
    ['a line separator', "filename*=utf-8''cat%E2%80%A8.png"],
    ['a soft hyphen', "filename*=utf-8''cat%C2%AD.png"],
  ])('refuses a file name with %s (400 bad-file-name, in plain words) and stores nothing', async (_case, fileName) => {
    await uploads.start();
    const answer = await uploads.post('multipart/form-data; boundary=B', part(fileName));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({
      code: 'bad-file-name',
      message: 'a file name holds a control or formatting character (a line break, a bidi override); nothing was stored',
    });
    await uploads.expectNothingStored();
  });

  // Persian puts a zero-width non-joiner (U+200C) between letters that must not join; an emoji's ZWJ (U+200D) joins two.
  it.each([
    ['Persian, with a zero-width non-joiner', "filename*=utf-8''%D9%86%D8%A7%D9%85%D9%87%E2%80%8C%D9%87%D8%A7.jpg", 'نامه\u200Cها.jpg'],
    ['an emoji joined by a zero-width joiner', "filename*=utf-8''%F0%9F%91%A9%E2%80%8D%F0%9F%92%BB.jpg", '👩\u200D💻.jpg'],
  ])('takes a file name in %s (201) and keeps it as it was sent', async (_case, fileName, sent) => {
    await uploads.start();
    const answer = await uploads.post('multipart/form-data; boundary=B', part(fileName));
    expect(answer.status).toBe(201);
    expect((answer.body as unknown as { jobs: { fileName: string }[] }).jobs[0]!.fileName).toBe(sent);
  });

  // Marks stacked on one character ("Zalgo" text) draw over the rows above and below on the job page (found by review);
  // real scripts stack up to four, the rule worker names follow. U+0353 composes with nothing, so NFC keeps every one.
  it('refuses a file name stacking more than 4 combining marks on one character (400 bad-file-name), and takes one with 4', async () => {
    await uploads.start();
    const answer = await uploads.upload([{ name: `ca${'\u0353'.repeat(5)}t.jpg`, bytes: jpeg }]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({
      code: 'bad-file-name',
      message: 'a file name puts more than 4 combining marks on one character; nothing was stored',
    });
    await uploads.expectNothingStored();
    const four = `ca${'\u0353'.repeat(4)}t.jpg`;
    const accepted = await uploads.upload([{ name: four, bytes: jpeg }]);
    expect(accepted.status).toBe(201);
    expect((accepted.body as unknown as { jobs: { fileName: string }[] }).jobs[0]!.fileName).toBe(four);
  });

  // A file name is the board row's only link to its job page: before, a name of spaces or blank braille made that
  // link invisible. The rule worker and leaderboard names follow: a visible character.
  it.each([
    ['spaces', '   '],
    ['the blank braille pattern', '\u2800\u2800'],
  ])('refuses a file name of only %s (400 bad-file-name, in plain words) and stores nothing', async (_case, name) => {
    await uploads.start();
    const answer = await uploads.upload([{ name, bytes: jpeg }]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({
      code: 'bad-file-name',
      message: 'a file name needs a visible letter, digit, punctuation mark or symbol; nothing was stored',
    });
    await uploads.expectNothingStored();
  });

  it('refuses a file name longer than MAX_FILE_NAME_CHARS (400 bad-file-name), and takes one as long, counted in characters', async () => {
    await uploads.start();
    const answer = await uploads.upload([{ name: `${'a'.repeat(996)}.jpg`, bytes: jpeg }]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({
      code: 'bad-file-name',
      message: 'a file name is longer than 255 characters (MAX_FILE_NAME_CHARS); nothing was stored',
    });
    await uploads.expectNothingStored();
    // 255 characters, 251 of them cats of two UTF-16 units each.
    const longest = `${'🐈'.repeat(251)}.jpg`;
    const accepted = await uploads.upload([{ name: longest, bytes: jpeg }]);
    expect(accepted.status).toBe(201);
    expect((accepted.body as unknown as { jobs: { fileName: string }[] }).jobs[0]!.fileName).toBe(longest);
  });

  it('keeps a UTF-8 file name intact, as browsers send it', async () => {
    const master = await uploads.start();
    const data = new FormData();
    data.append('image', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), '猫 café.png');
    const created = await fetch(`${master.url}/api/jobs`, { method: 'POST', body: data });
    expect(created.status).toBe(201);
    const { jobs } = (await created.json()) as { jobs: { id: string; fileName: string }[] };
    expect(jobs[0]!.fileName).toBe('猫 café.png');
    const stored = (await fetch(`${master.url}/api/jobs/${jobs[0]!.id}`).then((r) => r.json())) as { fileName: string };
    expect(stored.fileName).toBe('猫 café.png');
  });
});
