/**
 * `npm run stack:build [temporal|ferretdb]`: builds the development servers once
 * into the cache (both when no argument). `npm start` and `npm test` do this
 * themselves when needed; CI runs it first so the builds run side by side.
 */
import { ferretdbBinary, postgresBinaries, temporalBinary } from '../stack/binaries';

const which = process.argv[2];
try {
  if (!which || which === 'temporal') process.stdout.write(`temporal: ${temporalBinary()}\n`);
  if (!which || which === 'ferretdb') process.stdout.write(`ferretdb: ${ferretdbBinary()}\n`);
  if (!which) process.stdout.write(`postgres: ${postgresBinaries().postgres}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
