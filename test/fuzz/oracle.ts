/**
 * What every answer must be, whatever was asked (issue 8's fuzzing proof):
 * never a 5xx (a 503 only with Retry-After, for a documented temporary reason),
 * a 4xx is the contract's JSON error body, a 429 has Retry-After, and no body
 * carries a stack trace or an internal path.
 */
import path from 'node:path';

/** The 503 codes the API may give for a temporary condition (a slow decision, an unreachable key set). */
export const temporaryCodes = new Set(['temporarily_unavailable']);

const repoRoot = path.resolve(__dirname, '..', '..');

/** Signs of internals in a body; a sign is only held against an answer when the request did not carry it itself (echoes). */
const leaks: [string, RegExp][] = [
  ['a stack frame', /\n\s*at \S.*[:(]\d+:\d+\)?/],
  ['a stack frame', /\bat (?:async )?[\w$.<>]+ \((?:node:|file:|\/)[^)]*:\d+:\d+\)/],
  ['node_modules', /node_modules/],
  ['the repository path', new RegExp(repoRoot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))],
  ['a source file with a line number', /[\w/-]+\.(?:ts|js|mjs|cjs):\d+/],
  ['an error class', /\b(?:TypeError|ReferenceError|RangeError|URIError|SyntaxError|EvalError|MongoServerError|MongooseError|CastError|ValidationError|BSONError|ServiceError|WorkflowUpdateFailedError|AssertionError|ApplicationFailure)\b/],
  ['a raw Node error code', /\b(?:ECONNREFUSED|ECONNRESET|ERR_[A-Z_]{4,}|Z_DATA_ERROR)\b/],
];

export interface Observed {
  status?: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
}

export interface Judged {
  method: string;
  /** What was sent, as text, to tell an echo from a leak. */
  requestText: string;
  /** The endpoint documents a 503 (only those may answer it). */
  documents503: boolean;
  deadlineMs: number;
}

const header = (headers: Observed['headers'], name: string) => {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** The problems of one answer (empty when it is as it must be). */
export function problemsOf(answer: Observed, request: Judged): string[] {
  const problems: string[] = [];
  const status = answer.status;
  if (answer.ms > request.deadlineMs) problems.push(`answered in ${answer.ms} ms (bound ${request.deadlineMs} ms)`);
  if (status === undefined) return problems;
  const text = answer.body.toString('utf8');
  const contentType = header(answer.headers, 'content-type') ?? '';
  let json: any;
  if (/json/.test(contentType) && request.method !== 'HEAD') {
    try {
      json = JSON.parse(text);
    } catch {
      problems.push(`the ${contentType} body does not parse: ${text.slice(0, 200)}`);
    }
  }
  const retryAfter = header(answer.headers, 'retry-after');
  if ((status === 429 || status === 503) && !/^[1-9][0-9]*$/.test(retryAfter ?? '')) problems.push(`${status} without a valid Retry-After (got ${retryAfter})`);
  if (status >= 500) {
    const temporary = status === 503 && request.documents503 && temporaryCodes.has(json?.error?.code);
    if (!temporary) problems.push(`answered ${status}: ${text.slice(0, 300)}`);
  }
  if (status >= 400 && status < 500 && request.method !== 'HEAD') {
    if (!/^application\/json\b/.test(contentType)) problems.push(`a ${status} that is not JSON (${contentType}): ${text.slice(0, 200)}`);
    else if (typeof json?.error?.code !== 'string' || !/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/.test(json.error.code)) {
      problems.push(`a ${status} without a snake_case error.code: ${text.slice(0, 200)}`);
    } else if (typeof json.error.message !== 'string' || json.error.message.trim() === '') {
      problems.push(`a ${status} without an error.message: ${text.slice(0, 200)}`);
    }
  }
  // Bodies that are text (JSON, HTML, scripts, metrics); document bytes are not read as text.
  if (/json|text|javascript|xml/.test(contentType) || contentType === '') {
    for (const [what, pattern] of leaks) {
      const match = pattern.exec(text);
      if (match && !pattern.test(request.requestText)) problems.push(`the body shows ${what} (${JSON.stringify(match[0].slice(0, 120))}): ${text.slice(Math.max(0, match.index - 80), match.index + 160)}`);
    }
  }
  return problems;
}
