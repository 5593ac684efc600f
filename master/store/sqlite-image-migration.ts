// A store written before images were files keeps them in an `images` table: they move out once, at open, each
// written and synced before the table is dropped, so a crash halfway only means moving them again.
import type Database from 'better-sqlite3';
import type { FileImageStore } from '../images/file-image-store.ts';

export function moveImagesOutOfDatabase(db: Database.Database, images: FileImageStore): void {
  if (!db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'images'`).get()) return;
  const rows = db.prepare(`SELECT job_id, bytes FROM images`).iterate() as IterableIterator<{ job_id: string; bytes: Buffer }>;
  for (const { job_id, bytes } of rows) images.writeSync(job_id, bytes);
  images.syncSync();
  db.exec(`DROP TABLE images`);
}
