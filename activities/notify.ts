/**
 * E-mail to customers: the verification link when documents are requested, and
 * reminders until the deadline. Real SMTP when SMTP_URL is set; otherwise each
 * message is written to the outbox folder under DATA_DIR (the start banner says
 * where) and deleted by the retention purge. Sent at most once per (check,
 * round, reminder), retried until then.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config';
import { CheckModel, EmailModel, isDuplicateKey } from '../models';
import { verificationToken } from '../lib/crypto';
import type { DocumentKind, Order } from '../domain/order';

const kindText: Record<DocumentKind, string> = {
  identity: 'a photo of your passport, ID card or driving licence',
  address: 'a recent utility bill or bank statement showing your name and address',
  payment_ownership: 'proof that the payment card is yours (the card with all but the last 4 digits covered, or a statement showing this charge)',
};

export interface VerificationEmail {
  checkId: string;
  orderId: string;
  round: number;
  requested: DocumentKind[];
  expiresAt: string;
  /** 0 for the first message of a round, then 1, 2, … */
  reminder: number;
}

export function renderVerificationEmail(input: VerificationEmail & { uploadUrl: string; name?: string }): { subject: string; text: string } {
  const deadline = new Date(input.expiresAt).toUTCString();
  const subject = input.reminder
    ? `Reminder: please verify your order ${input.orderId}`
    : `Please verify your order ${input.orderId}`;
  const lines = [
    `Hello${input.name ? ` ${input.name}` : ''},`,
    '',
    `Before we ship order ${input.orderId}, we need to confirm a few details. Please send us:`,
    ...input.requested.map((k) => `  - ${kindText[k]}`),
    '',
    `Upload them here (works from your phone): ${input.uploadUrl}`,
    `The link works until ${deadline}. If we do not receive the documents by then, the order will be cancelled and not charged.`,
    '',
    'Your documents are encrypted, seen only by our verification team, and deleted after the review period. Location and camera data are removed from photos.',
  ];
  return { subject, text: lines.join('\n') };
}

/** The outbox file of one e-mail: `<checkId>_<round>_<reminder>.eml`. */
function outboxFileName(emailId: string): string {
  return `${emailId.replace(/:/g, '_')}.eml`;
}

/**
 * Deletes a check's messages from the outbox (they hold the customer's name,
 * address and link). The outbox is a development aid on the disk of the worker
 * that sent each message: this deletes what this machine sees.
 */
export async function deleteOutboxMessages(outboxDir: string, checkId: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(outboxDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0; // no outbox here (SMTP, or nothing sent)
    throw error;
  }
  // Exactly <checkId>_<round>_<reminder>.eml: check ids may contain `_`, so a prefix alone could match another check.
  const ours = names.filter((n) => n.startsWith(`${checkId}_`) && /^\d+_\d+\.eml$/.test(n.slice(checkId.length + 1)));
  for (const name of ours) await rm(path.join(outboxDir, name), { force: true });
  return ours.length;
}

export function createNotifyActivities(config: Config) {
  let transport: Transporter | undefined;
  const mailer = (): Transporter => {
    transport ??= config.mail.smtpUrl
      ? nodemailer.createTransport(config.mail.smtpUrl)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return transport;
  };

  return {
    async sendVerificationEmail(input: VerificationEmail): Promise<{ sent: boolean }> {
      const id = `${input.checkId}:${input.round}:${input.reminder}`;
      const messageId = `<${id.replace(/:/g, '.')}@fraud-engine>`;
      const record = await EmailModel.findById(id).lean();
      if (record?.state === 'sent') return { sent: false };
      if (!record) {
        await EmailModel.create({ _id: id, checkId: input.checkId, state: 'sending', messageId }).catch((error) => {
          if (!isDuplicateKey(error)) throw error;
        });
      }
      const check = await CheckModel.findById(input.checkId, { order: 1 }).lean();
      const order = check?.order as Order | undefined;
      if (!order?.customer?.email) return { sent: false }; // purged, or never projected: nobody to write to
      const token = verificationToken(config.tokenSecret, input.checkId, input.round);
      const { subject, text } = renderVerificationEmail({ ...input, uploadUrl: `${config.publicUrl}/verify/${token}`, name: order.customer.name });
      // The same Message-ID on a resend lets mail systems drop a duplicate.
      const info = await mailer().sendMail({ from: config.mail.from, to: order.customer.email, subject, text, messageId });
      if (!config.mail.smtpUrl) {
        mkdirSync(config.mail.outboxDir, { recursive: true });
        writeFileSync(path.join(config.mail.outboxDir, outboxFileName(id)), (info as unknown as { message: Buffer }).message);
      }
      await EmailModel.updateOne({ _id: id }, { $set: { state: 'sent', sentAt: new Date() } });
      return { sent: true };
    },
  };
}
