/**
 * Amounts for people: minor units of a currency as money ("$1,899.00", "¥189,900").
 * Orders carry integer minor units; how many of them make a major unit (the
 * currency's exponent) comes from Intl's currency data (CLDR): 2 for USD/EUR, 0 for
 * JPY, 3 for BHD. Pure and deterministic for a given Node/ICU: the locale is fixed
 * ('en-US'), so reason details read the same on every machine. The reviewer console
 * formats the amounts it shows the same way (web/review/format.js).
 */

const LOCALE = 'en-US';

interface CurrencyFormat {
  digits: number;
  format: (major: number) => string;
}

// Building an Intl.NumberFormat costs far more than using one; scoring formats on
// every check. At most one entry per three-letter code.
const formats = new Map<string, CurrencyFormat | null>();

function formatOf(currency: string): CurrencyFormat | null {
  let entry = formats.get(currency);
  if (entry === undefined) {
    try {
      const nf = new Intl.NumberFormat(LOCALE, { style: 'currency', currency });
      const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
      entry = { digits, format: (major) => nf.format(major) };
    } catch {
      entry = null; // a malformed code: Intl throws a RangeError
    }
    formats.set(currency, entry);
  }
  return entry;
}

/** Digits after the decimal point of `currency` (its minor-unit exponent); undefined for a malformed code. */
export function currencyDigits(currency: string): number | undefined {
  return formatOf(currency)?.digits;
}

/** `minor` units of `currency` as money: formatMoney(189900, 'USD') === '$1,899.00'. */
export function formatMoney(minor: number, currency: string): string {
  const f = formatOf(currency);
  // A code Intl refuses (never one the order schema accepts) is shown as it came.
  if (!f || !Number.isFinite(minor)) return `${minor} ${currency} minor units`;
  return f.format(minor / 10 ** f.digits);
}
