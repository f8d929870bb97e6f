import { create } from '@bufbuild/protobuf';
import {
  ResourceSchema,
  type Resource as ResourceMessage,
} from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { TaskLog_LinkType, TaskLogSchema } from '../gen/v2/flyteidl2/core/execution_pb.js';
import type { LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
import { OutputsSchema } from '../gen/v2/flyteidl2/task/common_pb.js';
import { InternalError } from '../errors.js';
import { valuesToLiterals } from '../literals/index.js';
import { isTaskPhase, PHASE_NUMBERS } from '../phase.js';
import type { Resource } from '../resource.js';

const LINK_TYPES = {
  log: TaskLog_LinkType.EXTERNAL,
  dashboard: TaskLog_LinkType.DASHBOARD,
  ide: TaskLog_LinkType.IDE,
} as const;

/**
 * Checks what a connector returned and builds the wire resource. A connector bug (unknown phase, an output that
 * does not fit its declared type) becomes an INTERNAL error naming the connector, not a malformed answer.
 */
export function toResourceMessage(
  resource: Resource,
  outputTypes: ReadonlyMap<string, LiteralType>,
  connectorName: string,
): ResourceMessage {
  if (typeof resource !== 'object' || resource === null || !isTaskPhase(resource.phase)) {
    throw new InternalError(
      `Connector '${connectorName}' returned a resource without a valid phase (got ${describePhase(resource)}).`,
    );
  }
  const outputs =
    resource.outputs === undefined
      ? undefined
      : create(OutputsSchema, { literals: valuesToLiterals(resource.outputs, outputTypes) });
  return create(ResourceSchema, {
    phase: PHASE_NUMBERS[resource.phase],
    message: resource.message ?? '',
    outputs,
    logLinks: (resource.logLinks ?? []).map((link) =>
      create(TaskLogSchema, {
        name: link.name,
        uri: link.uri,
        linkType: LINK_TYPES[link.kind ?? 'log'],
        ready: link.ready ?? true,
      }),
    ),
    customInfo: resource.customInfo,
  });
}

function describePhase(resource: unknown): string {
  if (typeof resource !== 'object' || resource === null) return typeof resource;
  const phase = (resource as { phase?: unknown }).phase;
  return typeof phase === 'string' ? `'${phase.slice(0, 40)}'` : typeof phase;
}
