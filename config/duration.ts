/** Parses the human durations of the configuration (`72h`, `30s`, `180d`, `1h30m`, `250ms`) into milliseconds. */
const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
  let total = 0;
  let consumed = 0;
  for (const match of trimmed.matchAll(part)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * units[match[2]];
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== trimmed.length) {
    throw new Error(`"${text}" is not a duration (examples: 72h, 30s, 1h30m, 250ms)`);
  }
  if (total <= 0 || !Number.isFinite(total)) throw new Error(`"${text}" must be a positive duration`);
  return Math.round(total);
}
