/**
 * On-disk layout of the SQLite store, log-structured like kine: `log` is append-only and its integer primary
 * key is the global revision; `current` maps each live key to the log row holding its latest version.
 *
 * A delete appends a tombstone (deleted = 1, value NULL) whose prev_revision points at the version it removed.
 * Compaction at revision C removes rows at or below C that a later row at or below C replaced, and tombstones at
 * or below C; so every state at a revision >= C stays readable and every event after C keeps its previous value.
 * No row above the compacted revision is ever removed, so the current revision after a restart is
 * max(max(log.revision), compacted revision): revisions are never reused.
 */
import type { Database } from 'better-sqlite3';

export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS log (
  revision        INTEGER PRIMARY KEY,
  key             TEXT    NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  value           TEXT
);
CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
CREATE TABLE IF NOT EXISTS current (
  key      TEXT    PRIMARY KEY,
  revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT    PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
`;

export type MetaName = 'schema_version' | 'compacted_revision' | 'compaction_done_through';

export function createSchema(db: Database): void {
  db.exec('BEGIN');
  try {
    db.exec(DDL);
    const row = db.prepare<[], { value: number }>(`SELECT value FROM meta WHERE name = 'schema_version'`).get();
    if (row === undefined) {
      db.prepare(`INSERT INTO meta (name, value) VALUES ('schema_version', ?)`).run(SCHEMA_VERSION);
    } else if (row.value !== SCHEMA_VERSION) {
      throw new Error(`store schema version ${row.value} is not supported by this build (expects ${SCHEMA_VERSION}); use a matching stratus version`);
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
