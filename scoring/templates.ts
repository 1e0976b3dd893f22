/**
 * Reason details as templates: text with `{placeholders}` filled from fields when a
 * rule fires, e.g.
 *
 *   "{feature.velocity.card.hour|count:earlier order} with this card in the last hour"
 *   "order total {feature.amount|money} (at least {50000|money})"
 *
 * A placeholder is a field path (GET /v1/rulesets/fields) or a whole number, then
 * optionally `|formatter` or `|formatter:argument`:
 *
 *   (none)       null or absent → "unknown"; a list → "a, b"; true/false → "yes"/"no"
 *   money        minor units of the order's currency as money (formatMoney: "$1,899.00")
 *   count:noun   "1 noun", "3 nouns" (absent counts as 0)
 *   ago          days → "today", "1 day ago", "12 days ago"
 *   words        "not_enrolled" → "not enrolled"
 *   labels       names of dimensions or list types → "card, IP address"
 *
 * `{{` and `}}` are literal braces. Only fields can be quoted, and personal data is not
 * a field, so a detail cannot leak it.
 */
import { dimensionLabels } from './types';
import { fieldSpec, getterOf, unavailableField, type FieldContext, type FieldType } from './fields';
import { formatMoney } from './money';

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const plain = (v: unknown): string => {
  if (v === undefined || v === null) return 'unknown';
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map(plain).join(', ');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
};

interface Formatter {
  /** The field types it reads (a literal is a number). */
  accepts: readonly FieldType[];
  /** Whether it takes an argument (`count:noun`). */
  argument: boolean;
  format: (value: unknown, ctx: FieldContext, argument: string) => string;
}

const currencyOf = (ctx: FieldContext): string => {
  const c = (ctx.feature as { currency?: unknown } | undefined)?.currency ?? (ctx.order as { currency?: unknown }).currency;
  return typeof c === 'string' ? c : '';
};

const formatters: Record<string, Formatter> = {
  money: {
    accepts: ['number'],
    argument: false,
    format: (v, ctx) => (typeof v === 'number' ? formatMoney(v, currencyOf(ctx)) : plain(v)),
  },
  count: { accepts: ['number'], argument: true, format: (v, _ctx, noun) => plural(typeof v === 'number' ? v : 0, noun) },
  ago: {
    accepts: ['number'],
    argument: false,
    format: (v) => (v === 0 ? 'today' : `${plural(typeof v === 'number' ? v : 0, 'day')} ago`),
  },
  words: { accepts: ['string'], argument: false, format: (v) => plain(v).replace(/_/g, ' ') },
  labels: {
    accepts: ['string'],
    argument: false,
    format: (v) => {
      const names = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
      return names.length === 0 ? 'none' : names.map((n) => dimensionLabels[n as keyof typeof dimensionLabels] ?? String(n)).join(', ');
    },
  },
};
export const formatterNames = Object.keys(formatters);

export type Template = (ctx: FieldContext) => string;

type Part = string | ((ctx: FieldContext) => string);

const NUMBER = /^-?\d{1,15}$/;
const NOUN = /^[A-Za-z][A-Za-z -]{0,39}$/;

/** Parses a template: its parts, or the problems with it (each a sentence). */
function parse(text: string): { parts: Part[]; problems: string[] } {
  const parts: Part[] = [];
  const problems: string[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if ((ch === '{' || ch === '}') && text[i + 1] === ch) {
      literal += ch;
      i += 2;
      continue;
    }
    if (ch === '}') {
      problems.push(`a "}" at ${i} closes nothing (write "}}" for a brace)`);
      i++;
      continue;
    }
    if (ch !== '{') {
      literal += ch;
      i++;
      continue;
    }
    const end = text.indexOf('}', i + 1);
    if (end < 0) {
      problems.push(`the "{" at ${i} is never closed (write "{{" for a brace)`);
      break;
    }
    const placeholder = placeholderOf(text.slice(i + 1, end));
    if (typeof placeholder === 'string') problems.push(placeholder);
    else {
      if (literal) parts.push(literal);
      literal = '';
      parts.push(placeholder);
    }
    i = end + 1;
  }
  if (literal) parts.push(literal);
  return { parts, problems };
}

/** One placeholder's renderer, or why it is wrong. */
function placeholderOf(inside: string): Part | string {
  const [source, spec, ...extra] = inside.split('|').map((s) => s.trim());
  if (extra.length > 0) return `{${inside}}: one formatter at most`;
  let read: (ctx: FieldContext) => unknown;
  let type: FieldType;
  if (NUMBER.test(source)) {
    const n = Number(source);
    read = () => n;
    type = 'number';
  } else {
    const field = fieldSpec(source);
    if (!field) {
      const why = unavailableField(source);
      return why ? `{${inside}}: ${source} cannot be quoted: ${why}` : `{${inside}}: unknown field ${source}`;
    }
    read = getterOf(field);
    type = field.field.type;
  }
  if (spec === undefined) return (ctx) => plain(read(ctx));
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const argument = colon < 0 ? '' : spec.slice(colon + 1).trim();
  const formatter = Object.hasOwn(formatters, name) ? formatters[name] : undefined;
  if (!formatter) return `{${inside}}: unknown formatter "${name}" (one of ${formatterNames.join(', ')})`;
  if (!formatter.accepts.includes(type)) return `{${inside}}: ${name} formats a ${formatter.accepts.join(' or ')}, ${source} is a ${type}`;
  if (formatter.argument && !NOUN.test(argument)) return `{${inside}}: ${name} needs a noun, as in ${name}:order`;
  if (!formatter.argument && colon >= 0) return `{${inside}}: ${name} takes no argument`;
  return (ctx) => formatter.format(read(ctx), ctx, argument);
}

/** What is wrong with a template (empty when nothing). */
export const templateProblems = (text: string): string[] => parse(text).problems;

/** Compiles a valid template (throws on an invalid one: validate first). */
export function compileTemplate(text: string): Template {
  const { parts, problems } = parse(text);
  if (problems.length > 0) throw new Error(`invalid template: ${problems.join('; ')}`);
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const s = parts[0];
    return () => s;
  }
  return (ctx) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(ctx);
    return out;
  };
}
