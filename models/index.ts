/** Database connection and the models (mongoose over MongoDB, or FerretDB in development). */
import mongoose from 'mongoose';
import { CheckModel } from './check';
import { VelocityEventModel } from './velocityEvent';
import { VerificationModel } from './verification';
import { BlocklistModel } from './blocklist';
import { DocumentModel } from './document';
import { AuditModel } from './audit';
import { EmailModel } from './email';
import { QueueEntryModel } from './queueEntry';
import { KeyRecordModel } from './keyRecord';
import { RetentionEntryModel } from './retention';
import { ListEntryModel } from './listEntry';
import { OutcomeMarkModel, OutcomeModel } from './outcome';
import { DecisionPackModel, DecisionRecordModel, DecisionSealModel, RulesetModel, RulesetPublicationModel, RulesetShadowModel, ShadowResultModel } from './ruleset';
import { ReportModel } from './report';
import { NoteModel } from './note';
import { PrivacyRequestModel } from './privacyRequest';
import { WebhookAttemptModel, WebhookEventModel, WebhookRedeliveryModel } from './webhookDelivery';

export { CheckModel, VelocityEventModel, VerificationModel, BlocklistModel, DocumentModel, AuditModel, EmailModel, QueueEntryModel, KeyRecordModel, RetentionEntryModel, ListEntryModel, OutcomeModel, OutcomeMarkModel };
export { RulesetModel, RulesetPublicationModel, RulesetShadowModel, DecisionRecordModel, ShadowResultModel, DecisionPackModel, DecisionSealModel };
export { ReportModel, NoteModel, PrivacyRequestModel };
export { WebhookEventModel, WebhookAttemptModel, WebhookRedeliveryModel };

/** Every model whose collection and indexes the app creates (`npm run ops -- doctor` compares them). */
export const models = [CheckModel, VelocityEventModel, VerificationModel, BlocklistModel, DocumentModel, AuditModel, EmailModel, QueueEntryModel, RetentionEntryModel, ListEntryModel, OutcomeModel, OutcomeMarkModel,
  RulesetModel, RulesetPublicationModel, RulesetShadowModel, DecisionRecordModel, ShadowResultModel, DecisionPackModel, DecisionSealModel, ReportModel, NoteModel, PrivacyRequestModel,
  WebhookEventModel, WebhookAttemptModel, WebhookRedeliveryModel];

/**
 * Connects and makes sure every collection and index exists (unique indexes are our concurrency
 * guard). `beforeWrites` runs first, when nothing has been written yet (the start-up key check).
 */
export async function connectDatabase(uri: string, options: { beforeWrites?: () => Promise<void> } = {}): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  mongoose.set('autoIndex', false);
  mongoose.set('autoCreate', false); // collections come with their indexes below, after `beforeWrites`
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 50 });
  await options.beforeWrites?.();
  // API and worker may start together: index creation is idempotent, a race is retried once.
  for (const m of models) await m.createIndexes().catch(() => m.createIndexes());
  return mongoose;
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}
