// better-sqlite3 compiles a statement on each prepare(): a store that runs the same SQL on every answer keeps it.
import type Database from 'better-sqlite3';

/** prepare(), remembered per SQL text: the texts come from the code, so there are as many as the code has. */
export function preparedOnce(db: Database.Database): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
}
