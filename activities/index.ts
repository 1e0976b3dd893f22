/**
 * Every activity of the check workflow, built from the worker's configuration.
 * Activities are thin, idempotent adapters to the database and the outside world.
 */
import type { Config } from '../config';
import { createScoringActivities } from './scoring';
import { createReadModelActivities } from './readModel';
import { createWebhookActivities } from './webhooks';
import { createNotifyActivities } from './notify';
import { createDocumentActivities } from './documents';
import { createAuditActivities } from './audit';
import { createRetentionActivities } from './retention';
import { createEscalationActivities } from './escalation';
import { blobStore } from '../documents/storage';
import { instrumentActivities } from './metrics';

export function createActivities(config: Config) {
  const present = { publicUrl: config.publicUrl, tokenSecret: config.tokenSecret };
  const readModel = createReadModelActivities(config.tokenSecret, config.mail.outboxDir, blobStore(config));
  return instrumentActivities({
    ...createScoringActivities(config.pseudonymSecret, Boolean(config.webhook), (decision) => readModel.recordDecision(decision)),
    ...readModel,
    ...createWebhookActivities(config.webhook, present),
    ...createNotifyActivities(config),
    ...createDocumentActivities(config),
    ...createAuditActivities(config.auditSecret),
    ...createRetentionActivities({ purgeCheck: readModel.purgeCheck, defaultRetentionMs: config.durations.retentionMs }),
    ...createEscalationActivities(),
  });
}

export type CheckActivities = ReturnType<typeof createActivities>;
