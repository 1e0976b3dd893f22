/**
 * `npm run stack:build [temporal|ferretdb|s3]`: builds the development servers (and the S3
 * server of the tests) once into the cache (all when no argument). `npm start` and `npm test` do this
 * themselves when needed; CI runs it first so the builds run side by side.
 */
import { ferretdbBinary, postgresBinaries, s3Binary, temporalBinary } from '../stack/binaries';

const which = process.argv[2];
try {
  if (!which || which === 'temporal') process.stdout.write(`temporal: ${temporalBinary()}\n`);
  if (!which || which === 'ferretdb') process.stdout.write(`ferretdb: ${ferretdbBinary()}\n`);
  if (!which || which === 's3') process.stdout.write(`s3: ${s3Binary()}\n`);
  if (!which) process.stdout.write(`postgres: ${postgresBinaries().postgres}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
