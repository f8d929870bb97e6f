import type { CheckId } from '../options.js';
import { unknownStateCheck, transientGetCheck } from './backend-faults.js';
import type { AcceptanceCheck } from './check.js';
import { deleteFinishedCheck, deleteRunningCheck } from './delete.js';
import { idempotentCreateCheck } from './idempotent-create.js';
import { lifecycleFailedCheck, lifecycleSucceededCheck, terminalStableCheck } from './lifecycle.js';
import { requiredParamsCheck } from './required-params.js';
import { resourceMetaCheck } from './resource-meta.js';
import { secretLeaksCheck } from './secret-leaks.js';
import { specCheck } from './spec.js';

export type { AcceptanceCheck } from './check.js';

/** Every check by id. The leak scan runs last in a session, so it also sees what every other check provoked. */
export const ACCEPTANCE_CHECKS: Readonly<Record<CheckId, AcceptanceCheck>> = {
  spec: specCheck,
  'required-params': requiredParamsCheck,
  'lifecycle-succeeded': lifecycleSucceededCheck,
  'lifecycle-failed': lifecycleFailedCheck,
  'terminal-stable': terminalStableCheck,
  'resource-meta': resourceMetaCheck,
  'delete-running': deleteRunningCheck,
  'delete-finished': deleteFinishedCheck,
  'unknown-state': unknownStateCheck,
  'transient-get': transientGetCheck,
  'idempotent-create': idempotentCreateCheck,
  'secret-leaks': secretLeaksCheck,
};
