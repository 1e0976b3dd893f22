/*
 * A readable diff between two ruleset versions (pure: no DOM, unit-tested): rules
 * matched by code, each change said in words; conditions written as text
 * (`order.amount ≥ 50000 and not feature.isProxy`), bands and policy compared as a whole.
 */

const opWords = { eq: '=', ne: '≠', gt: '>', gte: '≥', lt: '<', lte: '≤', in: 'in', not_in: 'not in', contains: 'contains', exists: 'exists' };

function valueText(value) {
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A condition as text; nested groups in parentheses. */
export function conditionText(c, nested = false) {
  if (!c || typeof c !== 'object') return '?';
  const group = (parts, word) => {
    const text = parts.map((p) => conditionText(p, true)).join(` ${word} `);
    return nested && parts.length > 1 ? `(${text})` : text;
  };
  if (Array.isArray(c.all)) return group(c.all, 'and');
  if (Array.isArray(c.any)) return group(c.any, 'or');
  if (c.not) return `not ${conditionText(c.not, true)}`;
  if (c.op === 'exists') return `${c.field} exists`;
  return `${c.field} ${opWords[c.op] || c.op} ${valueText(c.value)}`;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function detailText(detail) {
  if (detail === undefined) return '(its description)';
  if (typeof detail === 'string') return detail;
  return detail.map((d) => (d.when ? `when ${conditionText(d.when)}: ${d.text}` : `otherwise: ${d.text}`)).join('; ');
}

/** What changed in one rule: [{ what, from, to }]. */
function ruleChanges(a, b) {
  const changes = [];
  const field = (what, get) => {
    const [x, y] = [get(a), get(b)];
    if (!same(x, y)) changes.push({ what, from: x, to: y });
  };
  field('points', (r) => String(r.points));
  field('description', (r) => r.description);
  field('condition', (r) => conditionText(r.when));
  field('documents asked for', (r) => (r.requests && r.requests.length ? r.requests.join(', ') : 'none'));
  field('hard signal', (r) => (r.hard ? 'yes' : 'no'));
  field('action', (r) => r.action || 'by score');
  field('detail', (r) => detailText(r.detail));
  return changes;
}

const bandText = (b) => `${b.band} ${b.min}–${b.max}: ${b.action}`;

/**
 * The diff from version `a` to version `b`: `added` and `removed` rules (code,
 * points, condition), `changed` rules with their changes, `moved` (same rules, another
 * order), `bands` and `policy` changes.
 */
export function rulesetDiff(a, b) {
  const before = new Map(a.rules.map((r) => [r.code, r]));
  const after = new Map(b.rules.map((r) => [r.code, r]));
  const summary = (r) => ({ code: r.code, points: r.points, description: r.description, condition: conditionText(r.when) });
  const added = b.rules.filter((r) => !before.has(r.code)).map(summary);
  const removed = a.rules.filter((r) => !after.has(r.code)).map(summary);
  const changed = [];
  for (const r of b.rules) {
    const old = before.get(r.code);
    if (!old) continue;
    const changes = ruleChanges(old, r);
    if (changes.length) changed.push({ code: r.code, changes });
  }
  const common = (rules, other) => rules.filter((r) => other.has(r.code)).map((r) => r.code);
  const moved = !same(common(a.rules, after), common(b.rules, before));
  const bands = same(a.bands, b.bands) ? null : { from: a.bands.map(bandText), to: b.bands.map(bandText) };
  const policy = same(a.policy ?? null, b.policy ?? null) ? null : { from: JSON.stringify(a.policy ?? null), to: JSON.stringify(b.policy ?? null) };
  const empty = !added.length && !removed.length && !changed.length && !moved && !bands && !policy;
  return { added, removed, changed, moved, bands, policy, empty };
}
