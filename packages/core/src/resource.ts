import type { JsonObject } from '@bufbuild/protobuf';
import type { TaskPhase } from './phase.js';

/** A link shown in the Flyte UI next to the task (`core.TaskLog`). */
export interface TaskLogLink {
  /** The link's label in the UI, e.g. `BigQuery Console`. */
  readonly name: string;
  /** Where it points. */
  readonly uri: string;
  /** Flyte 2 only: shown as a dashboard rather than a log. */
  readonly kind?: 'log' | 'dashboard' | 'ide';
  /** Flyte 2 only: whether the link is usable yet. Defaults to true. */
  readonly ready?: boolean;
}

/** The state of an external job as a connector reports it. */
export interface Resource {
  /** The task's phase; terminal phases end Flyte's polling. */
  readonly phase: TaskPhase;
  /** Shown to users for QUEUED / WAITING_FOR_RESOURCES / INITIALIZING and failures. */
  readonly message?: string;
  /** Links shown next to the task in the Flyte UI (vendor console, dashboards). */
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
  /** The log lines of this page, oldest first. */
  readonly lines: readonly string[];
  /** Token for the next page; absent on the last page. */
  readonly token?: string;
}

/** A metric series for GetTaskMetrics. */
export interface MetricResult {
  /** The metric's name, as queried. */
  readonly metric: string;
  /** The series, in the shape Flyte's UI reads (`flyteidl.core.ExecutionMetricResult.data`). */
  readonly data: JsonObject;
}

/** What GetTaskMetrics asks for. */
export interface MetricsQuery {
  /** The metric names to return. */
  readonly queries: readonly string[];
  /** Start of the time range; open-ended when absent. */
  readonly startTime?: Date;
  /** End of the time range; now when absent. */
  readonly endTime?: Date;
  /** Resolution of the series in milliseconds. */
  readonly stepMs?: number;
}

/** What GetTaskLogs asks for. */
export interface LogsQuery {
  /** How many lines the caller wants at most. */
  readonly lines: number;
  /** The page to continue from ('' for the first): a previous page's `token`. */
  readonly token: string;
}
