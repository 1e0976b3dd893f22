// The workflows this worker runs (the bundle's entry point).
export { checkWorkflow } from './check';
export { retentionSweepWorkflow, retentionDailyPassWorkflow } from './retention';
export { outcomeWorkflow } from './outcome';
export { caseEventWorkflow } from './caseEvent';
export { webhookRedeliveryWorkflow } from './webhookRedelivery';
export { decisionPackingWorkflow } from './decisionPacking';
