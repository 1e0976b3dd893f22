/**
 * The failure converter of every Temporal client and worker of this project (loaded by path,
 * so the workflow sandbox uses it too): error messages and stack traces travel in a payload
 * (`encodedAttributes`) instead of plain text, so the payload codec encrypts them like any
 * other payload. Only the failure's type (e.g. `invalid_state`) stays readable.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
