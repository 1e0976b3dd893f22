/** Turns a check's state into the shape of the public API (`/openapi.json`) (used by the API and by webhooks alike). */
import type { CheckState, CheckView } from '../domain/check';
import { fulfilmentOf } from '../domain/check';
import { verificationToken } from './crypto';

export interface PresentOptions {
  publicUrl: string;
  tokenSecret: Buffer;
}

export function presentCheck(state: CheckState, options: PresentOptions, withTimeline = false): CheckView {
  const v = state.verification;
  const waiting = v && state.status === 'awaiting_documents';
  const token = waiting ? verificationToken(options.tokenSecret, state.checkId, v.round) : undefined;
  const view: CheckView = {
    checkId: state.checkId,
    orderId: state.orderId,
    status: state.status,
    fulfilment: fulfilmentOf(state.status),
    risk: {
      score: state.risk.score,
      band: state.risk.band,
      rulesetVersion: state.risk.rulesetVersion,
      reasons: state.risk.reasons,
    },
    verification:
      waiting && token
        ? { requested: v.requested, token, uploadUrl: `${options.publicUrl}/verify/${token}`, expiresAt: v.expiresAt }
        : null,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
  if (withTimeline) view.timeline = state.timeline.map(({ seq: _seq, ...entry }) => entry);
  return view;
}
