/**
 * The first row of the page `delta` rows from the one starting at `offset`, in a list of `total`
 * rows shown `pageSize` at a time: never before the first page, never past the last.
 */
export function pageOffset(offset: number, delta: number, total: number, pageSize: number): number {
  const lastPage = Math.max(0, Math.ceil(total / pageSize) - 1) * pageSize;
  return Math.min(Math.max(0, offset + delta), lastPage);
}
