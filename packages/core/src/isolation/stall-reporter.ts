import type { Logger } from '../logger.js';
import type { StallReport } from './stall-watchdog.js';

/** How a stall was attributed: to a measured method, to the calls in flight, or to nothing. */
export type StallAttribution = 'exact' | 'suspect' | 'none';

/** The metrics a stall updates (ServiceMetrics implements them). */
export interface StallMetrics {
  /** Adds blocked time measured inside a connector method. */
  observeEventLoopBlocked(taskType: string, seconds: number): void;
  /** Counts one stall per task type named (`''` for a stall outside any connector call). */
  countEventLoopStall(taskType: string, attribution: StallAttribution): void;
}

/** Where a stall happened: `main thread`, or the worker thread of an isolated module. */
export type StallThread = string;

/**
 * Turns stall reports into one warn line each and the per-task-type stall metrics. The line says how sure the
 * attribution is: a culprit was measured, suspects were merely in flight.
 */
export function createStallReporter(
  logger: Logger,
  metrics: StallMetrics,
): (report: StallReport, thread: StallThread) => void {
  return (report, thread) => {
    const where = `event loop of the ${thread} blocked for ${report.blockedMs} ms`;
    if (report.culprits.length > 0) {
      for (const culprit of report.culprits) {
        metrics.observeEventLoopBlocked(culprit.taskType, culprit.syncMs / 1000);
        metrics.countEventLoopStall(culprit.taskType, 'exact');
      }
      logger.warn(
        {
          event: 'event_loop_stall',
          thread,
          blockedMs: report.blockedMs,
          thresholdMs: report.thresholdMs,
          attribution: 'exact',
          connectors: unique(report.culprits.map((culprit) => culprit.connector)),
          culprits: report.culprits,
        },
        `${where} by ${report.culprits
          .map(
            (culprit) =>
              `connector '${culprit.connector}' (its ${culprit.operation} ran ${culprit.syncMs} ms synchronously)`,
          )
          .join(', ')}`,
      );
      return;
    }
    if (report.suspects.length > 0) {
      for (const taskType of unique(report.suspects.map((suspect) => suspect.taskType))) {
        metrics.countEventLoopStall(taskType, 'suspect');
      }
      logger.warn(
        {
          event: 'event_loop_stall',
          thread,
          blockedMs: report.blockedMs,
          thresholdMs: report.thresholdMs,
          attribution: 'suspect',
          connectors: unique(report.suspects.map((suspect) => suspect.connector)),
          suspects: report.suspects,
        },
        `${where}, not within the synchronous part of any connector method; suspects (calls in flight): ${report.suspects
          .map((suspect) => `connector '${suspect.connector}' (${suspect.operation})`)
          .join(', ')}`,
      );
      return;
    }
    metrics.countEventLoopStall('', 'none');
    logger.warn(
      {
        event: 'event_loop_stall',
        thread,
        blockedMs: report.blockedMs,
        thresholdMs: report.thresholdMs,
        attribution: 'none',
        connectors: [],
      },
      `${where} with no connector call in flight (garbage collection, the machine, or the service itself)`,
    );
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
