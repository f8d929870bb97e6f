/**
 * The client engine: tracks many in-flight connector tasks the way Flyte's backend does (Create behind a write rate
 * limiter, an immediate Get, then re-polling every resync interval by a pool of workers behind a read rate limiter).
 */
export { ENGINE_DEFAULTS, TaskEngine } from './task-engine.js';
export {
  EngineClosedError,
  type EngineStats,
  type FinalReason,
  type FinalState,
  type TaskEngineEvents,
  type TaskEngineOptions,
  type TaskState,
  type TaskUpdate,
  type TrackedTask,
} from './types.js';
export {
  isFinalPhase,
  readPhase,
  stopsPolling,
  type ClientFamily,
  type FinalPhase,
  type PhaseReading,
} from './phase-mapping.js';
export { TokenBucket, type RateLimit } from './token-bucket.js';
