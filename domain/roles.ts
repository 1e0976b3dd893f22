/**
 * Reviewer roles and THE permission table: which minimum role each reviewer
 * action needs. The API's guards, the console and the README all read this one
 * table (`permissionTableMarkdown()` renders it). Pure data, unit-tested in
 * test/unit/roles.test.ts.
 */
import type { Status } from './check';

export const roles = ['reviewer', 'senior', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Rank order: a higher rank holds every permission of a lower one. */
export const roleRank: Readonly<Record<Role, number>> = { reviewer: 1, senior: 2, admin: 3 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

/** True when `role` is `min` or above it. */
export function roleAtLeast(role: Role, min: Role): boolean {
  return roleRank[role] >= roleRank[min];
}

export const permissionNames = [
  'queue.read',
  'case.read',
  'case.claim',
  'decision.approve',
  'decision.reject',
  'decision.request_documents',
  'decision.escalate',
  'decision.report',
  'decision.on_escalated',
  'document.preview',
  'document.original',
  'audit.read',
  'claim.override',
  'lists.manage',
  'outcomes.record',
  'rulesets.read',
  'rulesets.write',
  'rulesets.publish',
  'case.note',
  'report.create',
  'report.originals',
  'privacy.requests',
  'payloads.decode',
] as const;
export type Permission = (typeof permissionNames)[number];

/** THE permission table: the minimum role of each permission. */
export const permissions: Readonly<Record<Permission, Role>> = {
  'queue.read': 'reviewer',
  'case.read': 'reviewer',
  'case.claim': 'reviewer',
  'decision.approve': 'reviewer',
  'decision.reject': 'reviewer',
  'decision.request_documents': 'reviewer',
  'decision.escalate': 'reviewer',
  'decision.report': 'senior',
  'decision.on_escalated': 'senior',
  'document.preview': 'reviewer',
  'document.original': 'senior',
  'audit.read': 'reviewer',
  'claim.override': 'admin',
  'lists.manage': 'senior',
  'outcomes.record': 'senior',
  'rulesets.read': 'senior',
  'rulesets.write': 'senior',
  'rulesets.publish': 'admin',
  'case.note': 'reviewer',
  'report.create': 'senior',
  'report.originals': 'admin',
  'privacy.requests': 'admin',
  'payloads.decode': 'admin',
};

/** What each permission allows, for people (README, console, 403 messages). */
export const permissionDescriptions: Readonly<Record<Permission, string>> = {
  'queue.read': 'see the review queue',
  'case.read': 'open a case: order metadata, risk and reasons, document metadata, timeline',
  'case.claim': 'claim an unclaimed case (or one whose lease has run out) for a lease',
  'decision.approve': 'approve a claimed case (fulfilment released)',
  'decision.reject': 'reject a claimed case (order cancelled)',
  'decision.request_documents': 'ask the customer for more documents',
  'decision.escalate': 'escalate a case to the senior queue',
  'decision.report': 'report a case (cooperation with payment processors, banks, authorities)',
  'decision.on_escalated': 'take any decision on an `escalated` case',
  'document.preview': 'view a document as preview or thumbnail (metadata stripped; audited)',
  'document.original': 'view the original bytes of a document (audited)',
  'audit.read': "read a case's audit trail",
  'claim.override': 'take over a claim held by someone else',
  'lists.manage': 'see and change the block and allow lists (also the service key)',
  'outcomes.record': "record an order's outcome: chargeback, confirmed fraud, legitimate, refund (also the service key)",
  'rulesets.read': 'see rulesets, their fields, backtests, shadow reports and rule statistics',
  'rulesets.write': 'save draft rulesets, start and end shadowing',
  'rulesets.publish': 'publish a ruleset (make it live for new checks; an older one again: rollback)',
  'case.note': 'add an internal note to a case (audited; never shown to the customer)',
  'report.create': 'make and download a case file for a payment processor, bank or authority (audited)',
  'report.originals': "put documents' original bytes (with their metadata) in a case file",
  'privacy.requests': "find, export and erase a person's data (data-subject requests; audited)",
  'payloads.decode': "decrypt Temporal payloads through the codec endpoint (`POST /codec/decode`), for the Temporal UI (logged)",
};

/** Whether `role` holds `permission`. Any string is accepted (a token's claim, a workflow message): only a known role is granted anything. */
export function can(role: string, permission: Permission): boolean {
  const min = permissions[permission];
  // An unknown permission (a caller outside the type system) is never granted.
  return min !== undefined && isRole(role) && roleAtLeast(role, min);
}

export const decisionActions = ['approve', 'reject', 'request_documents', 'escalate', 'report'] as const;
export type DecisionAction = (typeof decisionActions)[number];

/** Every permission a decision needs: its own, plus `decision.on_escalated` on an escalated case. */
export function decisionPermissions(action: DecisionAction, caseStatus: Status): Permission[] {
  const needed: Permission[] = [`decision.${action}`];
  if (caseStatus === 'escalated') needed.push('decision.on_escalated');
  return needed;
}

export function canDecide(role: string, action: DecisionAction, caseStatus: Status): boolean {
  return decisionPermissions(action, caseStatus).every((p) => can(role, p));
}

/** The first permission `role` lacks for this decision (escalation first: it is the rule people meet), or undefined. */
export function permissionMissing(role: string, action: DecisionAction, caseStatus: Status): Permission | undefined {
  return decisionPermissions(action, caseStatus)
    .reverse()
    .find((p) => !can(role, p));
}

/**
 * Why `role` may not claim a case now, or undefined: an escalated case is claimed by those who
 * may decide it; a claim someone else holds is taken over only with `claim.override`.
 */
export function claimProblem(role: string, caseStatus: Status, heldByAnother: boolean): 'forbidden' | 'already_claimed' | undefined {
  if (caseStatus === 'escalated' && !can(role, 'decision.on_escalated')) return 'forbidden';
  if (heldByAnother && !can(role, 'claim.override')) return 'already_claimed';
  return undefined;
}

/** The permission table as a Markdown table, for the README. */
export function permissionTableMarkdown(): string {
  const mark = (role: Role, p: Permission) => (can(role, p) ? '✓' : '');
  const lines = [
    `| permission | what it allows | minimum role | ${roles.join(' | ')} |`,
    `|---|---|---|${roles.map(() => ':-:').join('|')}|`,
    ...permissionNames.map(
      (p) => `| \`${p}\` | ${permissionDescriptions[p].replace(/\|/g, '\\|')} | ${permissions[p]} | ${roles.map((r) => mark(r, p)).join(' | ')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
