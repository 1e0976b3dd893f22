/**
 * How a process reports why it stops. A configuration or key-ring problem is the
 * operator's to fix: its message (which names the variables) goes to stderr as plain text as
 * well as to the log, without a stack trace; anything else is logged with its stack.
 */
import { ConfigError } from '../config';
import { KeyRingError } from './documentKeys';
import { logger } from './logger';

export function reportFatal(name: string, error: unknown): void {
  const err = error as Error | undefined;
  if (error instanceof ConfigError || error instanceof KeyRingError) {
    logger.fatal({ err: { type: err!.name, message: err!.message } }, `${name} failed to start`);
    process.stderr.write(`${name} cannot start: ${err!.message}\n`);
    return;
  }
  logger.fatal({ err: { message: err?.message, stack: err?.stack } }, `${name} failed`);
}
