/**
 * `npm run lists -- <command>`: the block and allow lists from files, run with the same
 * environment as the API (without MONGODB_URI it talks to a running `npm start`).
 *
 *   import <file.csv>           add every row (list,type,value,reason[,expiresAt]); a file with a
 *                               bad row adds nothing and names each bad row; adds are idempotent
 *   export [block|allow] [> f]  every entry as CSV: id, list, type, hint, reason, author, times
 *                               (values are never stored, so an export cannot be imported back)
 */
import { readFile, stat } from 'node:fs/promises';
import mongoose from 'mongoose';
import { loadConfig } from '../config';
import { configureAudit } from '../activities/audit';
import { createListService } from '../app/lists';
import { exportCsv, MAX_IMPORT_BYTES, planImport, runImport } from '../app/listsCsv';
import { listNames, type ListName } from '../domain/lists';
import { defaultPorts } from '../stack';

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function main(): Promise<number> {
  const [command, arg] = process.argv.slice(2);
  if (command !== 'import' && command !== 'export') {
    err('usage: npm run lists -- import <file.csv> | export [block|allow]');
    return 2;
  }
  if (command === 'export' && arg && !(listNames as readonly string[]).includes(arg)) {
    err(`export: "${arg}" is not a list (block or allow)`);
    return 2;
  }
  let plan: ReturnType<typeof planImport> | undefined;
  if (command === 'import') {
    if (!arg) {
      err('import: name the CSV file');
      return 2;
    }
    const size = (await stat(arg)).size;
    if (size > MAX_IMPORT_BYTES) {
      err(`${arg}: ${size} bytes; at most ${MAX_IMPORT_BYTES} per file: split it`);
      return 1;
    }
    plan = planImport(await readFile(arg, 'utf8'));
    if (!plan.ok) {
      err(`${arg}: nothing imported; fix these rows and run it again:`);
      for (const p of plan.problems) err(`  line ${p.line}: ${p.problem}`);
      return 1;
    }
  }

  const config = loadConfig();
  configureAudit(config.auditSecret);
  mongoose.set('autoCreate', false);
  mongoose.set('autoIndex', false);
  await mongoose.connect(config.mongodbUri ?? `mongodb://127.0.0.1:${defaultPorts.mongo}/fraud`, { serverSelectionTimeoutMS: 10_000 });
  try {
    const lists = createListService(config.pseudonymSecret);
    if (plan?.ok) {
      const result = await runImport(lists, plan, { type: 'system', id: 'lists-import' });
      out(`${arg}: ${result.added} added, ${result.existing} already there`);
      return 0;
    }
    for await (const chunk of exportCsv(lists, arg ? [arg as ListName] : listNames)) process.stdout.write(chunk);
    return 0;
  } finally {
    await mongoose.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    err(`lists: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
