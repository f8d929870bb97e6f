import { create } from '@bufbuild/protobuf';
import {
  TaskExecutionMetadataSchema,
  type TaskExecutionMetadata,
} from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { ResourceType } from '../gen/v2/flyteidl2/core/identifier_pb.js';
import type { TaskTemplate } from '../gen/v2/flyteidl2/core/tasks_pb.js';

/**
 * The task execution metadata of a local run, shaped like what Flyte sends: project `local`, domain `development`,
 * node `n0`, attempt 0. The execution name distinguishes runs; connectors derive their idempotency key
 * (`ctx.execution.attemptKey`) from it, so each run gets a fresh one unless the caller pins it.
 */
export function localExecutionMetadata(template: TaskTemplate, executionName: string): TaskExecutionMetadata {
  const project = template.id?.project || 'local';
  const domain = template.id?.domain || 'development';
  return create(TaskExecutionMetadataSchema, {
    taskExecutionId: {
      taskId: {
        resourceType: ResourceType.TASK,
        project,
        domain,
        name: template.id?.name || template.type,
        version: template.id?.version || 'local',
      },
      nodeExecutionId: { nodeId: 'n0', executionId: { project, domain, name: executionName } },
      retryAttempt: 0,
    },
    namespace: `${project}-${domain}`,
    labels: { 'execution-id': executionName, 'flyte-connect': 'run' },
    annotations: {},
    environmentVariables: {},
    maxAttempts: 1,
  });
}
