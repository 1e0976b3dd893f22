/** The permission table: its rows, its rank order, and the README rendering. */
import { expect } from 'chai';
import {
  can,
  canDecide,
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
});
