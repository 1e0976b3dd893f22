/**
 * CSV import and export of the lists (`npm run lists -- import file.csv`).
 *
 * Import: a header row `list,type,value,reason,expiresAt` (`expiresAt` optional),
 * at most MAX_IMPORT_ROWS rows and MAX_IMPORT_BYTES bytes. Every row is checked
 * before anything is written, and a file with any bad row writes nothing: the
 * answer names each bad row (its line) and why. Then each row is an idempotent add,
 * so importing a file again (or after a crash part-way) adds only what is missing.
 * A `shipping_address` value is `line1|postalCode|country` or a JSON object.
 *
 * Export: what is stored, never a value (values are not kept): id, list, type,
 * hint, reason, author, times. It documents a list; it cannot restore one.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { listNames, newEntrySchema, normaliseListValue, type ListName, type NewEntry } from '../domain/lists';
import type { Actor } from '../domain/check';
import { MAX_IMPORT_ROWS, MAX_PAGE, type ListEntryView, type ListService } from './lists';

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
const columns = ['list', 'type', 'value', 'reason', 'expiresAt'] as const;

export interface RowProblem {
  /** The line in the file (the header is line 1). */
  line: number;
  problem: string;
}

export type ImportPlan = { ok: true; rows: Array<{ line: number; list: ListName; entry: NewEntry }> } | { ok: false; problems: RowProblem[] };

/** Reads and checks a file's rows (pure): every bad row named, up to 100 of them. */
export function planImport(text: string): ImportPlan {
  if (Buffer.byteLength(text) > MAX_IMPORT_BYTES) return { ok: false, problems: [{ line: 0, problem: `the file is larger than ${MAX_IMPORT_BYTES} bytes` }] };
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, to: MAX_IMPORT_ROWS + 2 });
  } catch (error) {
    return { ok: false, problems: [{ line: (error as { lines?: number }).lines ?? 0, problem: `not CSV: ${(error as Error).message}` }] };
  }
  const [header, ...body] = records;
  const head = (header ?? []).map((h) => h.trim());
  const missing = columns.filter((c) => c !== 'expiresAt' && !head.includes(c));
  if (!header || missing.length) return { ok: false, problems: [{ line: 1, problem: `the header must name ${columns.join(',')} (missing: ${missing.join(', ') || 'everything'})` }] };
  if (body.length > MAX_IMPORT_ROWS) return { ok: false, problems: [{ line: MAX_IMPORT_ROWS + 2, problem: `more than ${MAX_IMPORT_ROWS} rows: split the file` }] };
  const at = (row: string[], c: (typeof columns)[number]) => {
    const i = head.indexOf(c);
    return i >= 0 ? (row[i] ?? '').trim() : '';
  };
  const problems: RowProblem[] = [];
  const rows: Array<{ line: number; list: ListName; entry: NewEntry }> = [];
  body.forEach((row, i) => {
    const line = i + 2;
    const list = at(row, 'list');
    if (!(listNames as readonly string[]).includes(list)) return void problems.push({ line, problem: `list must be block or allow, not "${list.slice(0, 20)}"` });
    const type = at(row, 'type');
    const rawValue = at(row, 'value');
    const value = type === 'shipping_address' ? addressCell(rawValue) : rawValue;
    const expiresAt = at(row, 'expiresAt');
    const parsed = newEntrySchema.safeParse({ type, value, reason: at(row, 'reason'), ...(expiresAt ? { expiresAt } : {}) });
    if (!parsed.success) {
      // The issue names the field, never the value.
      return void problems.push({ line, problem: parsed.error.issues.map((x) => `${x.path.join('.') || 'row'}: ${x.message}`).join('; ') });
    }
    const n = normaliseListValue(parsed.data.type, parsed.data.value);
    if (!n.ok) return void problems.push({ line, problem: `value: ${n.problem}` });
    if (parsed.data.expiresAt && Date.parse(parsed.data.expiresAt) <= Date.now()) return void problems.push({ line, problem: 'expiresAt: must be in the future' });
    rows.push({ line, list: list as ListName, entry: parsed.data });
  });
  return problems.length ? { ok: false, problems: problems.slice(0, 100) } : { ok: true, rows };
}

function addressCell(cell: string): unknown {
  if (cell.startsWith('{')) {
    try {
      return JSON.parse(cell);
    } catch {
      return cell;
    }
  }
  const [line1, postalCode, country] = cell.split('|').map((s) => s.trim());
  return { line1, ...(postalCode ? { postalCode } : {}), country };
}

/** Imports a checked plan: `added` new entries, `existing` ones already there. */
export async function runImport(lists: ListService, plan: Extract<ImportPlan, { ok: true }>, actor: Actor): Promise<{ added: number; existing: number }> {
  let added = 0;
  let existing = 0;
  for (const row of plan.rows) {
    const { created } = await lists.add(row.list, row.entry, actor);
    if (created) added++;
    else existing++;
  }
  return { added, existing };
}

const exportColumns = ['id', 'list', 'type', 'hint', 'reason', 'createdBy', 'createdAt', 'expiresAt', 'checkId'] as const;

/** Every entry of the lists as CSV lines, page by page (header first). */
export async function* exportCsv(lists: ListService, which: readonly ListName[] = listNames): AsyncGenerator<string> {
  yield stringify([exportColumns as unknown as string[]]);
  for (const list of which) {
    let cursor: string | undefined;
    do {
      const page = await lists.page(list, { limit: MAX_PAGE, cursor, includeExpired: true });
      yield stringify(page.items.map(row));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
}

function row(e: ListEntryView): string[] {
  const by = [e.createdBy.type, e.createdBy.id, e.createdBy.role].filter(Boolean).join(':');
  return [e.id, e.list, e.type, e.hint, e.reason, by, e.createdAt, e.expiresAt ?? '', e.checkId ?? ''];
}
