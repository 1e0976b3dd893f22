// The workflows this worker runs (the bundle's entry point).
export { checkWorkflow } from './check';
export { retentionSweepWorkflow, retentionDailyPassWorkflow } from './retention';
export { webhookRedeliveryWorkflow } from './webhookRedelivery';
