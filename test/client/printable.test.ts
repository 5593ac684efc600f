// What the batch client prints of text from outside (a file's path, an error naming one, a master's answer): one line
// whatever it holds, a control character escaped as JSON escapes it.
import { expect, it } from 'vitest';
import { escapeControls, shownPath } from '../../client/printable.ts';

it('prints a path without control characters as it is', () => {
  for (const plain of ['/photos/cat.jpg', 'relative/with space/é😀.png', String.raw`C:\odd\name.jpg`]) expect(shownPath(plain)).toBe(plain);
});

it('prints a path with a control character JSON-quoted, on one line, and it reads back as the path', () => {
  const odd = [
    '/photos/new\nline.jpg',
    '/photos/tab\there\r.jpg',
    '/photos/\u001b[31mred.jpg',
    '/photos/del\u007f-csi\u009b-ls\u2028.jpg',
    '/photos/\u202egpj.exe',
    '/photos/half\ud800.jpg',
  ];
  for (const file of odd) {
    const shown = shownPath(file);
    expect(shown).toMatch(/^"[\x20-\x7e\u00a0-\u200d\u2010-\u2027\u2030-\u2065\u206a-\ud7ff\ue000-\uffff]*"$/u);
    expect(JSON.parse(shown)).toBe(file);
  }
  expect(shownPath('/photos/new\nline.jpg')).toBe(String.raw`"/photos/new\nline.jpg"`);
  expect(shownPath('/photos/\u001b[31mred.jpg')).toBe(String.raw`"/photos/\u001b[31mred.jpg"`);
});

it('quotes a path that begins with a quote, so it cannot pass for a quoted one', () => {
  expect(JSON.parse(shownPath('"quoted".jpg'))).toBe('"quoted".jpg');
});

it('escapes the control characters of a message, leaving the rest of it as it is', () => {
  expect(escapeControls("cannot read the file: ENOENT: no such file or directory, stat '/photos/bro\nken.jpg'")).toBe(
    String.raw`cannot read the file: ENOENT: no such file or directory, stat '/photos/bro\nken.jpg'`,
  );
  expect(escapeControls('the master answered 502: <html>\r\n<h1>Bad Gateway</h1>')).toBe(String.raw`the master answered 502: <html>\r\n<h1>Bad Gateway</h1>`);
});
