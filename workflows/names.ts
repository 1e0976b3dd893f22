/**
 * The names that tie the API, the workers and Temporal together: the task queues
 * and the id of an order's check workflow. Beside the messages (messages.ts):
 * together they are everything a caller needs to reach a check. Pure (the
 * workflow bundle imports it too).
 */

/** `checks`: the workflows and their quick activities; `documents`: image and PDF work, scaled apart. */
export const taskQueues = { checks: 'checks', documents: 'documents' } as const;
export type TaskQueue = (typeof taskQueues)[keyof typeof taskQueues];

/** One workflow per order: its id is the order's, so a second submission joins the first. */
export const workflowIdFor = (orderId: string): string => `fraud-check/${orderId}`;
