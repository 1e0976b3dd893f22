/*
 * Formatting for people: times, durations, ages, sizes and money. Pure functions of
 * their arguments (and the browser's locale and clock).
 */

const dateTimeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSecFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function toDate(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function fmtDateTime(iso, seconds) {
  const d = toDate(iso);
  return d ? (seconds ? dateTimeSecFmt : dateTimeFmt).format(d) : '—';
}

/** "2d 4h", "3h 05m 12s", "4m 09s", "12s" — compact, seconds while they matter. */
export function fmtDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86400);
  const hr = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d}d ${hr}h`;
  if (hr > 0) return `${hr}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** Queue age: minutes are enough ("3h 12m", "2d 4h", "45m", "<1m"). */
export function fmtAgeShort(ms) {
  const mins = Math.floor(Math.max(0, ms) / 60000);
  if (mins < 1) return '<1m';
  if (mins < 60) return `${mins}m`;
  const hrs = Math.floor(mins / 60);
  if (hrs < 24) return `${hrs}h ${String(mins % 60).padStart(2, '0')}m`;
  return `${Math.floor(hrs / 24)}d ${hrs % 24}h`;
}

/** Account age in the largest sensible unit, measured at `at` (the order time). */
export function fmtAge(fromIso, atIso) {
  const from = toDate(fromIso);
  const at = toDate(atIso) || new Date();
  if (!from) return null;
  const days = Math.floor((at - from) / 86400000);
  if (days < 0) return 'created after the order';
  if (days < 1) return 'less than a day';
  if (days < 60) return `${days} day${days === 1 ? '' : 's'}`;
  const months = Math.floor(days / 30.44);
  if (months < 24) return `${months} months`;
  return `${Math.floor(months / 12)} years`;
}

// ------------------------------------------------------------------ money

const moneyFormats = new Map(); // currency -> { digits, nf } | null

/**
 * The currency's minor-unit exponent (2 for USD, 0 for JPY, 3 for BHD) from Intl's
 * currency data, asked in a fixed locale so it never depends on the reviewer's; and a
 * formatter in the reviewer's locale. Null for a code Intl refuses.
 */
function moneyFormat(currency) {
  if (!moneyFormats.has(currency)) {
    let entry = null;
    try {
      const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
      entry = { digits, nf: new Intl.NumberFormat(undefined, { style: 'currency', currency }) };
    } catch {
      /* a malformed currency code: shown as it came */
    }
    moneyFormats.set(currency, entry);
  }
  return moneyFormats.get(currency);
}

/** Minor units as money in the reviewer's locale: 189900 USD -> "$1,899.00", 500 JPY -> "¥500". */
export function fmtMoney(amount, currency) {
  if (typeof amount !== 'number') return '—';
  const f = typeof currency === 'string' ? moneyFormat(currency) : null;
  if (!f) return `${amount} ${currency || ''}`.trim();
  return f.nf.format(amount / 10 ** f.digits);
}

/**
 * Reason details recorded before the server said money ("order total 189900 USD minor
 * units (>= 50000)") read as money too: "order total $1,899.00 (at least $500.00)".
 * Checks keep their reasons as they were decided, for their whole retention period.
 */
export function moneyInDetail(detail) {
  return String(detail).replace(/(\d+) ([A-Z]{3}) minor units(?: \(>= (\d+)\))?/g, (_all, amount, currency, limit) => {
    const money = fmtMoney(Number(amount), currency);
    return limit === undefined ? money : `${money} (at least ${fmtMoney(Number(limit), currency)})`;
  });
}

// ------------------------------------------------------------------ sizes, numbers, actors

export function fmtBytes(n) {
  if (typeof n !== 'number') return null;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / 1048576).toFixed(1)} MB`;
}

export function fmtNumber(n) {
  return typeof n === 'number' ? (Number.isInteger(n) ? String(n) : n.toFixed(2)) : null;
}

export function actorText(actor) {
  if (!actor) return '—';
  if (typeof actor === 'string') return actor;
  let text = actor.type || 'unknown';
  if (actor.id) text += ` ${actor.id}`;
  if (actor.role) text += ` (${actor.role})`;
  return text;
}

/** Server messages are lower-case fragments ("claim the case before deciding it"); show sentences. */
export function sentence(text) {
  const t = String(text).trim();
  if (!t) return t;
  const s = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
