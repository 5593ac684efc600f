import { API_TIMEOUT_MS, type ApiError } from '../api.ts';
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

/** Why a file larger than the master's MAX_UPLOAD_BYTES is not sent: it would be read whole only to be refused. */
export const tooLargeText = (size: number, limit: number) => `this file is ${formatBytes(size)}, larger than the limit of ${formatBytes(limit)}`;

/** What went wrong with one upload, in plain words, keeping the master's explanation. */
export function uploadErrorText(error: Pick<ApiError, 'status' | 'message'> & Partial<Pick<ApiError, 'code'>>): string {
  const said = withReadableSizes(error.message);
  switch (error.status) {
    case 0:
      // Given up on a master that answered nothing (api.ts), as against one out of reach.
      if (error.code === 'timeout') return `The master did not answer within ${API_TIMEOUT_MS / 1000} s. Retry, or try again later.`;
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
