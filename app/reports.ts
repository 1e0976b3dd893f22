/**
 * Case files for payment processors, banks and authorities (API.md, "Cases").
 *
 * A senior makes a report on a case: who it is for, their reference, a note.
 * Its `case.json` (order, risk and reasons, decisions, timeline, outcomes,
 * documents' metadata) and `audit.json` (the audit trail with its chain's
 * verification, including the `report.created` entry itself) are frozen when
 * it is made; the ZIP is streamed at each download with those two files, the
 * documents' previews (originals only when asked for, and only for admins:
 * they carry the camera's metadata) and a `manifest.json` of every file's size
 * and SHA-256. Making and downloading are audited first.
 *
 * One writer per check: a report never changes the check. It is an
 * append-only record of its own; its webhook event is delivered by a small
 * workflow of its own (`caseEventWorkflow`, id `case-event/<reportId>`), so it
 * works when the check's workflow has completed and is retried like every
 * webhook; starting it twice with that id starts it once. The retention purge
 * deletes the frozen texts: the file is then `410 gone`.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { z } from 'zod';
import { taskQueues } from '../workflows/names';
import { caseEventWorkflow } from '../workflows/caseEvent';
import { fulfilmentOf, webhookEventTypes } from '../domain/check';
import { appendAudit, auditTrail } from '../activities/audit';
import { CheckModel, DocumentModel, ReportModel } from '../models';
import { checkStateFromRecord } from '../models/check';
import { documentVault, type DocumentVault } from '../documents/vault';
import type { Config } from '../config';
import { sha256Hex } from '../lib/crypto';
import { refuse } from '../domain/errors';
import { permit, type Reviewer } from './review';
import { outcomesOf } from './outcomes';
import { zipStream, type ZipEntry } from './zipStream';

export const recipientKinds = ['payment_processor', 'bank', 'authority'] as const;

export const reportRequestSchema = z.object({
  recipient: z.object({
    kind: z.enum(recipientKinds),
    name: z.string().trim().min(1, 'name the recipient').max(200),
  }),
  reference: z.string().trim().min(1, "the recipient's reference is required").max(200),
  includeOriginals: z.boolean().default(false),
  note: z.string().trim().max(4000).optional(),
});
export type ReportRequest = z.infer<typeof reportRequestSchema>;

export const reportViewSchema = z.object({
  reportId: z.string(),
  checkId: z.string(),
  recipient: z.object({ kind: z.enum(recipientKinds), name: z.string() }),
  reference: z.string(),
  note: z.string().nullable(),
  includeOriginals: z.boolean(),
  createdBy: z.object({ id: z.string(), role: z.string() }),
  createdAt: z.string(),
  fileUrl: z.string(),
  /** SHA-256 of the file's case.json and audit.json, as made. */
  sha256: z.object({ case: z.string(), audit: z.string() }),
  /** Set once the retention purge destroyed the file. */
  purgedAt: z.string().nullable(),
});
export type ReportView = z.infer<typeof reportViewSchema>;

export interface ReportDeps {
  temporal: Client;
  vault: DocumentVault;
  publicUrl: string;
}

export function reportDeps(config: Config, temporal: Client): ReportDeps {
  return { temporal, vault: documentVault(config), publicUrl: config.publicUrl };
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/webp': '.webp', 'application/pdf': '.pdf' };
const gone = () => refuse.destroyed("this case file was destroyed with the case's personal data at the end of its retention period");

type StoredReport = Record<string, any>;

function present(r: StoredReport, publicUrl: string): ReportView {
  return {
    reportId: r._id,
    checkId: r.checkId,
    recipient: { kind: r.recipient.kind, name: r.recipient.name },
    reference: r.reference,
    note: r.note ?? null,
    includeOriginals: r.includeOriginals,
    createdBy: { id: r.createdBy.id, role: r.createdBy.role },
    createdAt: new Date(r.createdAt).toISOString(),
    fileUrl: `${publicUrl}/v1/review/cases/${r.checkId}/reports/${r._id}/file`,
    sha256: { case: r.sha256?.case ?? '', audit: r.sha256?.audit ?? '' },
    purgedAt: r.purgedAt ? new Date(r.purgedAt).toISOString() : null,
  };
}

export async function createReport(deps: ReportDeps, checkId: string, request: ReportRequest, reviewer: Reviewer): Promise<ReportView> {
  permit(reviewer, 'report.create');
  if (request.includeOriginals) permit(reviewer, 'report.originals');
  const record = await CheckModel.findById(checkId).lean();
  if (!record) throw refuse.notFound(`case ${checkId}`);
  if (record.purgedAt) throw gone();
  const reportId = `rpt_${randomBytes(12).toString('base64url')}`;
  const createdAt = new Date();
  const actor = { type: 'reviewer', id: reviewer.id, role: reviewer.role };
  // Audited before anything is frozen: audit.json holds its own report.created entry.
  await appendAudit({
    checkId,
    at: createdAt.toISOString(),
    actor,
    action: 'report.created',
    detail: { reportId, recipient: request.recipient, reference: request.reference, includeOriginals: request.includeOriginals },
  });

  const state = checkStateFromRecord(record);
  const stored = await DocumentModel.find({ checkId }, { dataKey: 0 }).lean();
  const meta = new Map(stored.map((d) => [d._id, d]));
  const files: Array<{ documentId: string; variant: 'preview' | 'original'; path: string }> = [];
  const documents = state.documents.map((d) => {
    const m = meta.get(d.documentId);
    const usable = m && !m.shreddedAt;
    const preview = usable && m.blobs?.preview?.iv ? { documentId: d.documentId, variant: 'preview' as const, path: `documents/${d.documentId}-preview${EXTENSIONS[m.blobs.preview.contentType ?? 'image/jpeg'] ?? ''}` } : undefined;
    const original =
      usable && request.includeOriginals && m.blobs?.original?.iv
        ? { documentId: d.documentId, variant: 'original' as const, path: `documents/${d.documentId}-original${EXTENSIONS[m.contentType] ?? ''}` }
        : undefined;
    for (const f of [preview, original]) if (f) files.push(f);
    return {
      documentId: d.documentId,
      kind: d.kind,
      round: d.round,
      status: d.status,
      reason: d.reason,
      uploadedAt: d.uploadedAt,
      contentType: m?.contentType ?? null,
      flags: d.flags,
      duplicates: d.duplicates,
      files: [preview?.path, original?.path].filter(Boolean),
    };
  });
  const trail = await auditTrail(checkId);
  const decisions = trail.entries
    .filter((e) => e.action.startsWith('decision.'))
    .map((e) => ({ at: e.at, actor: e.actor, action: e.action.slice('decision.'.length), reason: e.detail.reason ?? null, ...(e.detail.requested ? { requested: e.detail.requested } : {}) }));
  const report = { reportId, recipient: request.recipient, reference: request.reference, note: request.note ?? null, createdBy: { id: reviewer.id, role: reviewer.role }, createdAt: createdAt.toISOString() };
  const caseJson = JSON.stringify(
    {
      report,
      check: { checkId, orderId: state.orderId, status: state.status, fulfilment: fulfilmentOf(state.status), createdAt: state.createdAt, updatedAt: state.updatedAt },
      order: record.order ?? null,
      risk: { score: state.risk.score, band: state.risk.band, rulesetVersion: state.risk.rulesetVersion, reasons: state.risk.reasons },
      decisions,
      timeline: state.timeline.map(({ seq: _seq, ...entry }) => entry),
      outcomes: await outcomesOf(state.orderId),
      documents,
    },
    null,
    2,
  );
  const auditJson = JSON.stringify(trail, null, 2);
  const saved = await ReportModel.create({
    _id: reportId,
    checkId,
    orderId: state.orderId,
    recipient: request.recipient,
    reference: request.reference,
    note: request.note ?? null,
    includeOriginals: request.includeOriginals,
    createdBy: { id: reviewer.id, role: reviewer.role },
    createdAt,
    caseJson,
    auditJson,
    sha256: { case: sha256Hex(caseJson), audit: sha256Hex(auditJson) },
    documents: files,
  });
  const view = present(saved.toObject(), deps.publicUrl);
  await announce(deps.temporal, state, view);
  return view;
}

/** The `check.report_created` webhook, from its own workflow (see the top of this file). */
async function announce(temporal: Client, check: ReturnType<typeof checkStateFromRecord>, view: ReportView): Promise<void> {
  const { note: _note, fileUrl: _url, ...report } = view; // the note is for the recipient, not the order pipeline
  try {
    await temporal.workflow.start(caseEventWorkflow, {
      workflowId: `case-event/${view.reportId}`,
      taskQueue: taskQueues.checks,
      args: [{ eventId: `${check.checkId}.report.${view.reportId}`, type: webhookEventTypes.reportCreated, createdAt: view.createdAt, check, extra: { report } }],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

export async function listReports(checkId: string, reviewer: Reviewer, publicUrl: string): Promise<{ items: ReportView[] }> {
  permit(reviewer, 'report.create');
  if (!(await CheckModel.exists({ _id: checkId }))) throw refuse.notFound(`case ${checkId}`);
  const reports = await ReportModel.find({ checkId }, { caseJson: 0, auditJson: 0 }).lean();
  reports.sort((a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime());
  return { items: reports.map((r) => present(r, publicUrl)) };
}

/** The case file as a stream (audited before a byte leaves), and its file name. */
export async function openReportFile(deps: ReportDeps, checkId: string, reportId: string, reviewer: Reviewer): Promise<{ filename: string; stream: Readable }> {
  permit(reviewer, 'report.create');
  const report = await ReportModel.findById(reportId).lean();
  if (!report || report.checkId !== checkId) throw refuse.notFound('report');
  if (report.purgedAt || report.caseJson == null || report.auditJson == null) throw gone();
  const check = await CheckModel.findById(checkId, { purgedAt: 1 }).lean();
  if (!check || check.purgedAt) throw gone();
  await appendAudit({
    checkId,
    at: new Date().toISOString(),
    actor: { type: 'reviewer', id: reviewer.id, role: reviewer.role },
    action: 'report.downloaded',
    detail: { reportId, recipient: { kind: report.recipient?.kind, name: report.recipient?.name } },
  });
  const caseJson = Buffer.from(report.caseJson);
  const auditJson = Buffer.from(report.auditJson);
  const entries: ZipEntry[] = [
    { path: 'case.json', data: async () => caseJson, compress: true },
    { path: 'audit.json', data: async () => auditJson, compress: true },
    ...report.documents.map((f) => ({ path: f.path!, data: () => documentBytes(deps, f.documentId!, f.variant as 'preview' | 'original'), compress: false })),
  ];
  const stream = zipStream(entries, (files) =>
    Buffer.from(
      JSON.stringify(
        {
          reportId,
          checkId,
          orderId: report.orderId,
          recipient: report.recipient,
          reference: report.reference,
          createdBy: report.createdBy,
          createdAt: new Date(report.createdAt).toISOString(),
          algorithm: 'sha256',
          files,
        },
        null,
        2,
      ),
    ),
  );
  return { filename: `case-${checkId}-${reportId}.zip`, stream };
}

async function documentBytes(deps: ReportDeps, documentId: string, variant: 'preview' | 'original'): Promise<Buffer> {
  const doc = await DocumentModel.findById(documentId).lean();
  const plain = doc ? await deps.vault.readVariant(doc, variant) : undefined;
  if (!plain) throw gone();
  return plain.bytes;
}
