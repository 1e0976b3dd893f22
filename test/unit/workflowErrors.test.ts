/** How a check workflow's refusals and Temporal's unavailability become API answers (api/workflowErrors.ts). */
import { expect } from 'chai';
import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ApiError, retryAfterSeconds } from '../../api/errors';
import { fromWorkflowRefusal } from '../../api/workflowErrors';
import { failureTypes } from '../../workflows/messages';

/** A gRPC error as @grpc/grpc-js makes it (code, details, metadata). */
const grpcError = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });

describe('workflow errors → API answers (api/workflowErrors.ts)', () => {
  it('maps each refusal of an Update validator to its status and code, keeping the message', () => {
    const refusal = new WorkflowUpdateFailedError('update failed', ApplicationFailure.create({ type: failureTypes.alreadyClaimed, message: 'held by ann until 10:15' }));
    const mapped = fromWorkflowRefusal(refusal);
    expect(mapped).to.be.instanceOf(ApiError);
    expect(mapped).to.include({ status: 409, code: 'already_claimed', message: 'held by ann until 10:15' });
  });

  it('answers 503 temporarily_unavailable, with a Retry-After hint, when Temporal cannot be reached or the Update call times out', () => {
    const cases = [
      new WorkflowUpdateRPCTimeoutOrCancelledError('timed out', { cause: grpcError(4, 'deadline exceeded') }),
      new ServiceError('Failed to start workflow', { cause: grpcError(14, 'No connection established') }),
      grpcError(14, 'unavailable'),
      grpcError(8, 'namespace rate limit exceeded'),
      // The workflow's task keeps failing (a worker that cannot run it yet): Temporal refuses Updates and queries for now.
      grpcError(9, 'Unable to perform workflow execution update due to Workflow Task in failed state.'),
      new ServiceError('Update failed', { cause: grpcError(9, 'Unable to query workflow due to Workflow Task in failed state.') }),
    ];
    for (const error of cases) {
      const mapped = fromWorkflowRefusal(error) as ApiError;
      expect(mapped, error.message).to.be.instanceOf(ApiError);
      expect(mapped.status, error.message).to.equal(503);
      expect(mapped.code).to.equal('temporarily_unavailable');
      expect(mapped.message).not.to.match(/grpc|deadline|connection|\d{2}/i);
      expect(retryAfterSeconds(mapped.status, mapped.details)).to.be.within(1, 60);
    }
  });

  it('leaves everything else alone (a real failure stays one)', () => {
    for (const error of [new Error('boom'), grpcError(3, 'invalid argument'), grpcError(9, 'Namespace is not active'), new WorkflowUpdateFailedError('failed', ApplicationFailure.create({ type: 'SomethingElse' }))]) {
      expect(fromWorkflowRefusal(error)).to.equal(error);
    }
  });
});
