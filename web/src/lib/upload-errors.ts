import type { ApiError } from '../api.ts';
import { formatBytes } from './format.ts';

export interface FileFacts {
  name: string;
  type: string;
  size: number;
}

/**
 * A quick look before sending: files the browser already knows are not images, or are empty,
 * are refused here. Everything else goes to the master, which judges by content and size.
 */
export function precheckFile(file: FileFacts): string | null {
  if (file.size === 0) return 'This file is empty.';
  if (file.type && !file.type.startsWith('image/')) return `Not an image: this is a ${file.type} file.`;
  return null;
}

/** What went wrong with one upload, in plain words, keeping the master's explanation. */
export function uploadErrorText(error: Pick<ApiError, 'status' | 'message'>): string {
  const said = withReadableSizes(error.message);
  switch (error.status) {
    case 0:
      return 'Could not reach the master. Check the connection, then retry.';
    case 413:
      return `Too large: ${said}.`;
    case 415:
      return `Not an image the grid can read: ${said}.`;
    case 503:
      return `The master is busy: ${said}.`;
    default:
      return `Upload refused (${error.status}): ${said}.`;
  }
}

/** Whether sending the same file again might work (not for a wrong type or size). */
export function isRetryable(status: number): boolean {
  return status !== 413 && status !== 415 && status !== 400;
}

/** "larger than the limit of 10485760 bytes" → "larger than the limit of 10.5 MB". */
function withReadableSizes(message: string): string {
  return message.replace(/\b(\d{4,}) bytes\b/g, (_match, digits: string) => formatBytes(Number(digits)));
}
