import type { JsonObject } from '@bufbuild/protobuf';
import type { TaskPhase } from './phase.js';

/** A link shown in the Flyte UI next to the task (`core.TaskLog`). */
export interface TaskLogLink {
  readonly name: string;
  readonly uri: string;
  /** Flyte 2 only: shown as a dashboard rather than a log. */
  readonly kind?: 'log' | 'dashboard' | 'ide';
  /** Flyte 2 only: whether the link is usable yet. Defaults to true. */
  readonly ready?: boolean;
}

/** The state of an external job as a connector reports it. */
export interface Resource {
  readonly phase: TaskPhase;
  /** Shown to users for QUEUED / WAITING_FOR_RESOURCES / INITIALIZING and failures. */
  readonly message?: string;
  readonly logLinks?: readonly TaskLogLink[];
  /**
   * Output values by variable name, as native JS values. Core converts them to literals using the types the
   * task's interface declares, never by guessing from the JS type.
   */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Free-form details shown in the UI (bytes billed, token usage...). Must not contain secrets. */
  readonly customInfo?: JsonObject;
}

/** One page of a task's logs. */
export interface LogPage {
  readonly lines: readonly string[];
  /** Token for the next page; absent on the last page. */
  readonly token?: string;
}

/** A metric series for GetTaskMetrics. */
export interface MetricResult {
  readonly metric: string;
  readonly data: JsonObject;
}

export interface MetricsQuery {
  readonly queries: readonly string[];
  readonly startTime?: Date;
  readonly endTime?: Date;
  readonly stepMs?: number;
}

export interface LogsQuery {
  readonly lines: number;
  readonly token: string;
}
