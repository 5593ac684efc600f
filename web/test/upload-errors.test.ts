import { describe, expect, it } from 'vitest';
import { isRetryable, precheckFile, uploadErrorText } from '../src/lib/upload-errors.ts';

describe('precheckFile', () => {
  it('lets images and files of unknown type through to the master', () => {
    expect(precheckFile({ name: 'a.jpg', type: 'image/jpeg', size: 10 })).toBeNull();
    expect(precheckFile({ name: 'a.heic', type: '', size: 10 })).toBeNull();
  });

  it('refuses what the browser already knows is not an image, and empty files', () => {
    expect(precheckFile({ name: 'a.txt', type: 'text/plain', size: 10 })).toBe('Not an image: this is a text/plain file.');
    expect(precheckFile({ name: 'a.jpg', type: 'image/jpeg', size: 0 })).toBe('This file is empty.');
  });
});

describe('uploadErrorText', () => {
  it("keeps the master's words and makes byte counts readable", () => {
    expect(uploadErrorText({ status: 413, message: 'an image is larger than the limit of 10485760 bytes' })).toBe(
      'Too large: an image is larger than the limit of 10.5 MB.',
    );
    expect(uploadErrorText({ status: 415, message: '"a.png" is not an image this service can read' })).toBe(
      'Not an image the grid can read: "a.png" is not an image this service can read.',
    );
  });

  it('says plainly when the master cannot be reached', () => {
    expect(uploadErrorText({ status: 0, message: 'the master is unreachable' })).toMatch(/Could not reach the master/);
    expect(uploadErrorText({ status: 0, code: 'timeout', message: 'the master did not answer within 30 s' })).toBe(
      'The master did not answer within 30 s. Retry, or try again later.',
    );
  });
});

describe('isRetryable', () => {
  it('offers a retry only where sending again might work', () => {
    expect(isRetryable(0)).toBe(true);
    expect(isRetryable(503)).toBe(true);
    expect(isRetryable(413)).toBe(false);
    expect(isRetryable(415)).toBe(false);
  });
});
