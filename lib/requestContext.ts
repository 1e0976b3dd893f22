/**
 * What the API is serving right now, carried through every await of a request
 * (AsyncLocalStorage), so the logger can put the request's id on each line
 * without every caller passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** The id of the request being served, or undefined outside one (start-up, the worker). */
export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
