/**
 * The one logger. PII never reaches logs: known personal fields are redacted by
 * path, and code logs ids (order, check, document), never bodies.
 */
import pino from 'pino';
import { logSettings } from '../config';
import { currentRequestId } from './requestContext';

const redactPaths = [
  'email', '*.email', '*.*.email',
  'phone', '*.phone', '*.*.phone',
  'name', '*.name', '*.*.name',
  'ip', '*.ip', '*.*.ip',
  'line1', '*.line1', '*.*.line1', 'line2', '*.line2', '*.*.line2',
  'postalCode', '*.postalCode', '*.*.postalCode',
  'token', '*.token', 'authorization', '*.authorization', '*.headers.authorization',
  'order', '*.order', 'body', '*.body',
];

const settings = logSettings();

export const logger = pino({
  level: settings.level,
  base: { service: settings.service },
  redact: { paths: redactPaths, censor: '[redacted]' },
  // Every line written while the API serves a request names that request (api/requestId.ts).
  mixin: () => {
    const requestId = currentRequestId();
    return requestId ? { requestId } : {};
  },
});

export type Logger = typeof logger;
