/** The permission table: its rows, its rank order, and the README rendering. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { allowedActions, decisionProblem, reviewActions, statuses } from '../../domain/check';
import {
  can,
  canDecide,
  claimProblem,
  decisionPermissions,
  isRole,
  permissionNames,
  permissionTableMarkdown,
  permissions,
  roleAtLeast,
  roles,
  type Permission,
  type Role,
} from '../../domain/roles';

describe('roles and permissions', () => {
  it('ranks reviewer < senior < admin', () => {
    expect(roleAtLeast('reviewer', 'reviewer')).to.equal(true);
    expect(roleAtLeast('senior', 'reviewer')).to.equal(true);
    expect(roleAtLeast('admin', 'senior')).to.equal(true);
    expect(roleAtLeast('reviewer', 'senior')).to.equal(false);
    expect(roleAtLeast('senior', 'admin')).to.equal(false);
  });

  it('recognises exactly the three roles', () => {
    for (const r of roles) expect(isRole(r)).to.equal(true);
    for (const x of ['Admin', 'root', '', undefined, null, 1, {}]) expect(isRole(x)).to.equal(false);
  });

  it('has one row per permission and nothing else', () => {
    expect(Object.keys(permissions).sort()).to.deep.equal([...permissionNames].sort());
  });

  const expected: Record<Permission, Role> = {
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

  for (const [permission, min] of Object.entries(expected) as Array<[Permission, Role]>) {
    it(`${permission}: granted from ${min} up, refused below`, () => {
      for (const role of roles) expect(can(role, permission), `${role} ${permission}`).to.equal(roleAtLeast(role, min));
    });
  }

  it('is monotonic: a higher role holds every permission of a lower one', () => {
    for (const p of permissionNames) {
      expect(!can('reviewer', p) || can('senior', p), p).to.equal(true);
      expect(!can('senior', p) || can('admin', p), p).to.equal(true);
    }
  });

  it('never grants an unknown permission or to an unknown role', () => {
    expect(can('admin', 'everything' as Permission)).to.equal(false);
    expect(can('root' as Role, 'queue.read')).to.equal(false);
  });

  it('needs decision.on_escalated on an escalated case', () => {
    expect(decisionPermissions('approve', 'in_review')).to.deep.equal(['decision.approve']);
    expect(decisionPermissions('approve', 'escalated')).to.deep.equal(['decision.approve', 'decision.on_escalated']);
    expect(canDecide('reviewer', 'approve', 'in_review')).to.equal(true);
    expect(canDecide('reviewer', 'approve', 'escalated')).to.equal(false);
    expect(canDecide('senior', 'reject', 'escalated')).to.equal(true);
    expect(canDecide('reviewer', 'report', 'in_review')).to.equal(false);
    expect(canDecide('senior', 'report', 'escalated')).to.equal(true);
  });

  it('renders the table as Markdown, one row per permission', () => {
    const md = permissionTableMarkdown();
    const rows = md.trim().split('\n');
    expect(rows).to.have.length(2 + permissionNames.length);
    expect(rows[0]).to.equal('| permission | what it allows | minimum role | reviewer | senior | admin |');
    for (const p of permissionNames) {
      const row = rows.find((r) => r.startsWith(`| \`${p}\` |`));
      expect(row, p).to.be.a('string');
      const cells = row!.split(' | ');
      expect(cells[2]).to.equal(permissions[p]);
      expect((row!.match(/✓/g) ?? []).length, p).to.equal(roles.filter((r) => can(r, p)).length);
    }
  });

  describe('is the one authority', () => {
    it('decides the actions a case offers and the forbidden decisions: every role, status and action', () => {
      const claim = { assignee: 'r1', role: 'x', leaseExpiresAt: '2099-01-01T00:00:00.000Z' };
      for (const role of [...roles, 'intruder']) {
        for (const status of statuses) {
          const offered = allowedActions({ status, verification: null }, role);
          for (const action of reviewActions) {
            const permitted = isRole(role) && canDecide(role, action, status);
            if (offered.includes(action)) expect(permitted, `${role} ${status} ${action}`).to.equal(true);
            const problem = decisionProblem({ status, verification: null, claim }, { action, role, reviewerId: 'r1', requested: ['identity'], now: 0 });
            // A refusal for the role is `forbidden` exactly when the table says no.
            if (!permitted) expect(problem?.code, `${role} ${status} ${action}`).to.be.oneOf(['forbidden', 'invalid_state']);
            if (problem?.code === 'forbidden') expect(permitted, `${role} ${status} ${action}`).to.equal(false);
          }
        }
      }
      expect(allowedActions({ status: 'in_review', verification: null }, 'reviewer')).to.deep.equal(['approve', 'reject', 'request_documents', 'escalate']);
      expect(allowedActions({ status: 'in_review', verification: null }, 'senior')).to.deep.equal(['approve', 'reject', 'request_documents', 'escalate', 'report']);
      expect(allowedActions({ status: 'escalated', verification: null }, 'reviewer')).to.deep.equal([]);
      expect(allowedActions({ status: 'escalated', verification: null }, 'admin')).to.deep.equal(['approve', 'reject', 'request_documents', 'report']);
    });

    it('decides who may claim: escalated cases by those who may decide them, a held claim taken over with claim.override', () => {
      expect(claimProblem('reviewer', 'in_review', false)).to.equal(undefined);
      expect(claimProblem('reviewer', 'escalated', false)).to.equal('forbidden');
      expect(claimProblem('senior', 'escalated', false)).to.equal(undefined);
      expect(claimProblem('senior', 'in_review', true)).to.equal('already_claimed');
      expect(claimProblem('admin', 'escalated', true)).to.equal(undefined);
      expect(claimProblem('intruder', 'in_review', false)).to.equal(undefined); // the API's token check refuses unknown roles first
    });

    it('is not restated: no code outside domain/roles.ts compares a role with "senior" or "admin"', () => {
      const root = path.resolve(__dirname, '..', '..');
      const offenders: string[] = [];
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(full);
          else if (/\.(ts|js|mjs)$/.test(entry.name) && full !== path.join(root, 'domain', 'roles.ts')) {
            if (/role\s*[!=]==?\s*['"](senior|admin|reviewer)['"]|['"](senior|admin|reviewer)['"]\s*[!=]==?\s*\w*role/i.test(readFileSync(full, 'utf8'))) offenders.push(path.relative(root, full));
          }
        }
      };
      for (const dir of ['api', 'app', 'domain', 'workflows', 'activities', 'web']) walk(path.join(root, dir));
      expect(offenders).to.deep.equal([]);
    });
  });
});
