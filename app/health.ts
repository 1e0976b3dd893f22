/** Readiness: whether this process can reach Temporal and the database right now. */
import mongoose from 'mongoose';
import type { Connection } from '@temporalio/client';

export async function readiness(temporal: Connection): Promise<{ temporal: boolean; database: boolean }> {
  const [temporalOk, databaseOk] = await Promise.all([
    temporal.healthService
      .check({ service: 'temporal.api.workflowservice.v1.WorkflowService' })
      .then((r) => r.status === 1)
      .catch(() => false),
    (mongoose.connection.db?.admin().ping() ?? Promise.reject(new Error('not connected'))).then(() => true).catch(() => false),
  ]);
  return { temporal: temporalOk, database: databaseOk };
}
