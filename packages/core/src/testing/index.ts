/**
 * The public surface of `@org/connector-core/testing`: the acceptance kit connector packages run in their own test
 * suites, task-template builders, the loopback network guard and a test service. Everything is exported by name;
 * nothing else is part of the API.
 *
 * @module @org/connector-core/testing
 */

export { describeConnectorAcceptance, AcceptanceCheckFailure } from './describe.js';
export {
  createAcceptanceSession,
  runAcceptanceChecks,
  type AcceptanceSession,
  type CheckInfo,
} from './session.js';
export {
  CHECK_IDS,
  type AcceptanceOptions,
  type CheckId,
  type CheckResult,
  type CheckStatus,
} from './options.js';
export {
  TRANSIENT_FAULTS,
  type AcceptanceConnection,
  type AcceptanceHarness,
  type AcceptanceTask,
  type JobControl,
  type TransientFault,
} from './harness.js';
export { literalType, taskTemplate, type TaskTemplateSpec, type VariableTypeSpec } from './task-template.js';
export { canaryForms, findLeaks, maskCanaries, type CanaryForm, type Leak } from './canary.js';
export type { NamedLiteral } from '../gen/v2/flyteidl2/task/common_pb.js';
export type { LiteralType } from '../gen/v2/flyteidl2/core/types_pb.js';
export { installNetworkGuard, type NetworkViolation } from './network-guard.js';
export { guardVitestNetwork } from './vitest-network-guard.js';
export { clockTicksPerSecond, processCpuTicks, processMemory, type ProcessMemory } from './process-stats.js';
export { submitUntilRunning, type RunningSetUp } from './bench-setup.js';
export { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from './service-process.js';
export {
  phaseName,
  startTestService,
  submitTask,
  type TestService,
  type TestServiceOptions,
} from './test-service.js';
