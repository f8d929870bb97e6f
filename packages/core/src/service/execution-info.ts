import { createHash } from 'node:crypto';
import type { TaskExecutionMetadata } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import type { TaskExecutionInfo } from '../connector.js';

/** Flattens the task execution metadata and derives the attempt key connectors use for idempotency. */
export function executionInfo(metadata: TaskExecutionMetadata | undefined): TaskExecutionInfo {
  const id = metadata?.taskExecutionId;
  const execution = id?.nodeExecutionId?.executionId;
  const nodeId = id?.nodeExecutionId?.nodeId ?? '';
  const retryAttempt = id?.retryAttempt ?? 0;
  const attemptKey =
    id === undefined
      ? undefined
      : createHash('sha256')
          .update(
            JSON.stringify([
              execution?.org ?? '',
              execution?.project ?? '',
              execution?.domain ?? '',
              execution?.name ?? '',
              nodeId,
              id.taskId?.project ?? '',
              id.taskId?.domain ?? '',
              id.taskId?.name ?? '',
              id.taskId?.version ?? '',
              retryAttempt,
            ]),
          )
          .digest('hex')
          .slice(0, 32);
  return {
    metadata,
    project: execution?.project ?? '',
    domain: execution?.domain ?? '',
    executionName: execution?.name ?? '',
    nodeId,
    retryAttempt,
    namespace: metadata?.namespace ?? '',
    labels: metadata?.labels ?? {},
    attemptKey,
  };
}
