/**
 * What the database did, read from PostgreSQL's own statistics (no change to the
 * product): transactions and rows of the FerretDB database, and per collection
 * (FerretDB's tables, named through its metadata table) scans, index scans and
 * rows written. PostgreSQL publishes a backend's counters when it goes idle, at
 * most once a second and within 10 s (PGSTAT_IDLE_INTERVAL): wait before reading.
 */
import { Client as PgClient } from 'pg';

export const statsSettleMs = 11_000;

export interface PgStats {
  database: Record<string, number>;
  /** Per collection: seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_del, seq_tup_read, idx_tup_fetch. */
  tables: Map<string, Record<string, number>>;
}

const databaseCounters = ['xact_commit', 'xact_rollback', 'tup_returned', 'tup_fetched', 'tup_inserted', 'tup_updated', 'tup_deleted', 'blks_read', 'blks_hit'];
const tableCounters = ['seq_scan', 'seq_tup_read', 'idx_scan', 'idx_tup_fetch', 'n_tup_ins', 'n_tup_upd', 'n_tup_hot_upd', 'n_tup_del'];

/** `pgUrl`: the FerretDB database; `schema`: the MongoDB database name (FerretDB's schema). */
export async function pgStats(pgUrl: string, schema: string): Promise<PgStats> {
  const pg = new PgClient({ connectionString: pgUrl });
  await pg.connect();
  try {
    const db = await pg.query(`SELECT ${databaseCounters.join(', ')} FROM pg_stat_database WHERE datname = current_database()`);
    const names = await pg.query(`SELECT _jsonb->>'_id' AS collection, _jsonb->>'table' AS "table" FROM "${schema.replace(/"/g, '""')}"._ferretdb_database_metadata`).catch(() => ({ rows: [] as { collection: string; table: string }[] }));
    const byTable = new Map<string, string>(names.rows.map((r: { collection: string; table: string }) => [r.table, r.collection]));
    const rows = await pg.query(`SELECT relname, ${tableCounters.map((c) => `coalesce(${c}, 0) AS ${c}`).join(', ')} FROM pg_stat_user_tables WHERE schemaname = $1`, [schema]);
    const tables = new Map<string, Record<string, number>>();
    for (const row of rows.rows as Record<string, string>[]) {
      const name = byTable.get(row.relname) ?? row.relname;
      tables.set(name, Object.fromEntries(tableCounters.map((c) => [c, Number(row[c])])));
    }
    return { database: Object.fromEntries(databaseCounters.map((c) => [c, Number(db.rows[0]?.[c] ?? 0)])), tables };
  } finally {
    await pg.end();
  }
}

export function pgDelta(before: PgStats, after: PgStats): PgStats {
  const sub = (a: Record<string, number>, b: Record<string, number> = {}) => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]));
  const tables = new Map<string, Record<string, number>>();
  for (const [name, counters] of after.tables) {
    const d = sub(counters, before.tables.get(name));
    if (Object.values(d).some((v) => v !== 0)) tables.set(name, d);
  }
  return { database: sub(after.database, before.database), tables };
}
