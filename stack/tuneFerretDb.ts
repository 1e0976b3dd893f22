/**
 * FerretDB v1 on PostgreSQL pushes top-level equality filters down as
 * `(_jsonb -> 'field') @> value`, which its own btree indexes cannot serve: every
 * lookup scans. A GIN expression index per looked-up field makes them 1–2 ms at
 * 100 k documents (README "The embedded stack"). Only for the embedded stack: production
 * runs MongoDB with the models' ordinary indexes.
 */
import mongoose from 'mongoose';
import { Client as PgClient } from 'pg';
import { lookupFields } from '../models/lookups';

export async function tuneFerretDb(mongodbUri: string, pgUrl: string): Promise<void> {
  const mongo = new mongoose.mongo.MongoClient(mongodbUri);
  const pg = new PgClient({ connectionString: pgUrl });
  await mongo.connect();
  await pg.connect();
  try {
    const db = mongo.db();
    const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
    for (const collection of Object.keys(lookupFields)) {
      if (!existing.has(collection)) await db.createCollection(collection).catch(() => undefined);
    }
    const schema = db.databaseName;
    for (const [collection, fields] of Object.entries(lookupFields)) {
      const meta = await pg.query(
        `SELECT _jsonb->>'table' AS t FROM ${ident(schema)}._ferretdb_database_metadata WHERE _jsonb->>'_id' = $1`,
        [collection],
      );
      const table = meta.rows[0]?.t as string | undefined;
      if (!table) throw new Error(`FerretDB has no table for collection ${collection}`);
      for (const field of fields) {
        const index = `${table}_${field}_gin`.slice(0, 63);
        await pg.query(
          `CREATE INDEX IF NOT EXISTS ${ident(index)} ON ${ident(schema)}.${ident(table)} USING gin ((_jsonb -> '${field.replace(/'/g, "''")}') jsonb_path_ops)`,
        );
      }
    }
  } finally {
    await mongo.close();
    await pg.end();
  }
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
