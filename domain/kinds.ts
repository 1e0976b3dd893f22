/** The kinds of proof a customer can be asked for (no dependencies: workflow code imports it). */
export const documentKinds = ['identity', 'address', 'payment_ownership'] as const;
export type DocumentKind = (typeof documentKinds)[number];
