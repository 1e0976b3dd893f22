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
import { createListActivities } from './lists';
import { createOutcomeActivities } from './outcomes';
import { createDecisionPackActivities } from './decisionPacks';
import { documentVault } from '../documents/vault';
import { liveRulesets } from '../app/rulesetStore';
import { instrumentActivities } from './metrics';

export function createActivities(config: Config) {
  const present = { publicUrl: config.publicUrl, tokenSecret: config.tokenSecret };
  // recordDecision is the decision activity's own write, not an activity of its own.
  const { recordDecision, ...readModel } = createReadModelActivities(config.tokenSecret, config.mail.outboxDir, documentVault(config));
  return instrumentActivities({
    ...createScoringActivities(config.pseudonymSecret, Boolean(config.webhook), recordDecision, liveRulesets(config.rulesets.pollMs)),
    ...readModel,
    ...createWebhookActivities(config.webhook, present),
    ...createNotifyActivities(config),
    ...createDocumentActivities(config),
    ...createAuditActivities(config.auditSecret),
    ...createRetentionActivities({ purgeCheck: readModel.purgeCheck, defaultRetentionMs: config.durations.retentionMs }),
    ...createEscalationActivities(),
    ...createListActivities(config.pseudonymSecret),
    ...createOutcomeActivities(config.pseudonymSecret, config.webhook),
    ...createDecisionPackActivities(),
  });
}

export type CheckActivities = ReturnType<typeof createActivities>;
