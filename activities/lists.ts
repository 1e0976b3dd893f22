/**
 * The lists' activity of the check workflow: a reviewer's reject with `block`
 * puts the order's values of those types on the block list (app/lists.ts; each an
 * idempotent add, so a retried activity finds what it added there).
 */
import type { Actor } from '../domain/check';
import type { ListType } from '../domain/lists';
import type { Order } from '../domain/order';
import { createListService } from '../app/lists';

export interface BlockOrderValuesInput {
  checkId: string;
  order: Order;
  types: ListType[];
  actor: Actor;
  /** The decision's time (the entries' creation time, the same on every retry). */
  at: string;
}

export function createListActivities(secret: Buffer) {
  const lists = createListService(secret);
  return {
    /** Which of the types were blocked (those the order has a value of). */
    async blockOrderValues(input: BlockOrderValuesInput): Promise<ListType[]> {
      return lists.blockOrderValues(input);
    },
  };
}
