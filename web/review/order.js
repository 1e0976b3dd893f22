/*
 * The case's risk (score, band, the reasons with their points and details) and its
 * order (amount, customer, payment, device, countries, addresses, items, and every
 * field the API sent). Amounts are money in the order's currency.
 */
import { badge, facts, h, section, timeEl } from './dom.js';
import { fmtAge, fmtDateTime, fmtMoney, moneyInDetail } from './format.js';
import { BAND_TONES, humanize } from './labels.js';

export function riskSection(data) {
  const risk = data.risk || {};
  const reasons = (risk.reasons || []).slice().sort((a, b) => (b.points || 0) - (a.points || 0));
  return section(
    'Risk',
    h(
      'p',
      { className: 'risk-line' },
      h('span', { className: 'risk-score' }, risk.score ?? '—'),
      ' ',
      badge(risk.band || '—', BAND_TONES[risk.band]),
      risk.rulesetVersion ? h('span', { className: 'muted small' }, ` ruleset ${risk.rulesetVersion}`) : null,
    ),
    reasons.length
      ? h(
          'table',
          { className: 'data-table reasons' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col', className: 'num' }, 'Points'), h('th', { scope: 'col' }, 'Detail'))),
          h(
            'tbody',
            {},
            reasons.map((r) =>
              h(
                'tr',
                { 'data-reason': r.code },
                h('td', { className: 'mono' }, r.code),
                h('td', { className: 'num' }, r.points > 0 ? `+${r.points}` : r.points),
                h('td', {}, r.detail ? moneyInDetail(r.detail) : ''),
              ),
            ),
          ),
        )
      : h('p', { className: 'muted' }, 'No risk reasons recorded.'),
  );
}

function resultBadge(value) {
  if (!value) return null;
  const tone = { match: 'ok', authenticated: 'ok', partial: 'warn', attempted: 'warn', mismatch: 'danger', failed: 'danger' }[value];
  return badge(humanize(value), tone);
}

function addressText(addr) {
  if (!addr || typeof addr !== 'object') return null;
  const lines = [addr.line1, addr.line2, [addr.postalCode, addr.city].filter(Boolean).join(' '), [addr.region, addr.country].filter(Boolean).join(', ')].filter(Boolean);
  return lines.length ? h('span', { className: 'address' }, lines.map((l, i) => [i ? h('br') : null, l])) : null;
}

/** Billing / shipping / card / IP countries side by side; any that differ from billing stand out. */
function countriesTable(order) {
  const rows = [
    ['Billing', order.billingAddress && order.billingAddress.country],
    ['Shipping', order.shippingAddress && order.shippingAddress.country],
    ['Card', order.payment && order.payment.card && order.payment.card.country],
    ['IP', order.device && order.device.ipCountry],
  ];
  if (!rows.some(([, c]) => c)) return null;
  const base = rows[0][1] || rows.find(([, c]) => c)[1];
  return h(
    'table',
    { className: 'data-table countries' },
    h('caption', { className: 'sr-only' }, 'Countries'),
    h('thead', {}, h('tr', {}, rows.map(([label]) => h('th', { scope: 'col' }, label)))),
    h(
      'tbody',
      {},
      h(
        'tr',
        {},
        rows.map(([, c]) =>
          h('td', {}, c ? (c !== base ? [badge(c, 'danger'), h('span', { className: 'sr-only' }, ' (differs from billing)')] : h('strong', {}, c)) : h('span', { className: 'muted' }, '—')),
        ),
      ),
    ),
  );
}

function itemsTable(order) {
  const items = Array.isArray(order.items) ? order.items : [];
  if (!items.length) return null;
  const currency = order.currency;
  return h(
    'table',
    { className: 'data-table items' },
    h('caption', { className: 'table-caption' }, `Items (${items.length})`),
    h('thead', {}, h('tr', {}, ['Item', 'Category', 'Qty', 'Unit', 'Total'].map((t, i) => h('th', { scope: 'col', className: i >= 2 ? 'num' : '' }, t)))),
    h(
      'tbody',
      {},
      items.map((it) =>
        h(
          'tr',
          {},
          h('td', {}, it.name || '—', it.sku ? h('div', { className: 'muted small mono' }, it.sku) : null),
          h('td', {}, it.category || '—'),
          h('td', { className: 'num' }, it.quantity ?? '—'),
          h('td', { className: 'num' }, fmtMoney(it.unitAmount, currency)),
          h('td', { className: 'num' }, typeof it.unitAmount === 'number' && typeof it.quantity === 'number' ? fmtMoney(it.unitAmount * it.quantity, currency) : '—'),
        ),
      ),
    ),
  );
}

/** Every field of the order as [path, value], so nothing the API sends is hidden. */
function flatten(value, prefix, out) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(value) && value.some((v) => v && typeof v === 'object')) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else {
    out.push([prefix, value]);
  }
  return out;
}

/** The order's amounts (API.md: minor units of `currency`). */
const MONEY_FIELD = /^(amount|items\[\d+\]\.unitAmount)$/;

function fieldText(path, value, currency) {
  if (MONEY_FIELD.test(path) && typeof value === 'number') return fmtMoney(value, currency);
  return Array.isArray(value) ? value.join(', ') : String(value);
}

export function orderSection(data) {
  const order = data.order || {};
  const customer = order.customer || {};
  const payment = order.payment || {};
  const card = payment.card || {};
  const device = order.device || {};
  const amount = order.amount ?? data.amount;
  const currency = order.currency ?? data.currency;
  const chargebacks = customer.previousChargebacks;

  const left = facts([
    ['Amount', h('strong', { id: 'order-amount' }, fmtMoney(amount, currency))],
    ['Placed', order.placedAt ? timeEl(order.placedAt) : null],
    ['Channel', order.channel],
    ['Customer', [customer.name, customer.email, customer.phone, customer.id].filter(Boolean).join(' · ') || null],
    ['Account age', customer.accountCreatedAt ? `${fmtAge(customer.accountCreatedAt, order.placedAt || data.createdAt)} (since ${fmtDateTime(customer.accountCreatedAt)})` : null],
    ['Previous orders', customer.previousOrders],
    ['Chargebacks', typeof chargebacks === 'number' ? (chargebacks > 0 ? badge(String(chargebacks), 'danger') : '0') : null],
  ]);
  const right = facts([
    ['Payment', payment.method],
    ['Card', card.bin || card.last4 ? h('span', { className: 'mono' }, `${card.bin || '······'} ···· ${card.last4 || '····'}`) : null],
    ['AVS', resultBadge(payment.avsResult)],
    ['CVV', resultBadge(payment.cvvResult)],
    ['3-D Secure', resultBadge(payment.threeDSecure)],
    ['Failed attempts', typeof payment.failedAttempts === 'number' ? (payment.failedAttempts > 0 ? badge(String(payment.failedAttempts), 'warn') : '0') : null],
    ['IP', device.ip ? h('span', { className: 'mono' }, device.ip) : null],
    ['Proxy / VPN', typeof device.isProxy === 'boolean' ? (device.isProxy ? badge('yes', 'danger') : 'no') : null],
    ['Device', device.fingerprint ? h('span', { className: 'mono' }, device.fingerprint) : null],
  ]);
  const addresses = facts([
    ['Billing address', addressText(order.billingAddress)],
    ['Shipping address', addressText(order.shippingAddress)],
    ['User agent', device.userAgent ? h('span', { className: 'small' }, device.userAgent) : null],
  ]);

  const all = flatten(order, '', []);
  return section(
    'Order',
    h('div', { className: 'order-cols' }, left, right),
    countriesTable(order),
    addresses,
    itemsTable(order),
    all.length
      ? h(
          'details',
          { className: 'all-fields' },
          h('summary', {}, `All order fields (${all.length})`),
          h(
            'table',
            { className: 'data-table' },
            h('tbody', {}, all.map(([k, v]) => h('tr', {}, h('th', { scope: 'row', className: 'mono' }, k), h('td', { className: 'mono' }, fieldText(k, v, currency))))),
          ),
        )
      : h('p', { className: 'muted' }, 'No order metadata.'),
  );
}
