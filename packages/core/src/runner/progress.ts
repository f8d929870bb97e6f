import type { TaskPhase } from '../phase.js';
import type { RunProgress, RunResult } from './run-task.js';

/** Where progress goes: a stream, with the TTY details Node's `process.stderr` has. */
export interface ProgressStream {
  /** Writes text as is (no newline added). */
  write(text: string): unknown;
  /** Whether the stream is a terminal (a live line is drawn only there by default). */
  readonly isTTY?: boolean;
  /** The terminal's width, to keep the live line on one row. */
  readonly columns?: number;
}

/** Options of a {@link ProgressDisplay}. */
export interface ProgressDisplayOptions {
  /** Where progress is written, e.g. `process.stderr`. */
  readonly stream: ProgressStream;
  /** Redraw one live line (phase, elapsed time, message). Default: whether the stream is a TTY. */
  readonly live?: boolean;
  /** Redraw interval of the live line. Default 100 ms. */
  readonly refreshMs?: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Shows a run's progress. On a TTY: one live line with the phase, the elapsed time and the message, redrawn in
 * place, with log links and errors printed above it as they appear. Otherwise: plain lines, one per phase change
 * (plus log links and errors), so logs of CI jobs stay readable.
 */
export class ProgressDisplay {
  private readonly live: boolean;
  private readonly started = performance.now();
  private readonly seenLinks = new Set<string>();
  private phase: TaskPhase | 'CREATING' = 'CREATING';
  private message = '';
  private frame = 0;
  private ticker: NodeJS.Timeout | undefined;
  private lineShown = false;

  constructor(private readonly options: ProgressDisplayOptions) {
    this.live = options.live ?? options.stream.isTTY === true;
    if (this.live) {
      this.ticker = setInterval(() => this.render(), options.refreshMs ?? 100);
      this.ticker.unref();
      this.render();
    }
  }

  /** Shows one progress event: pass it as `runTask`'s `onProgress`. */
  handle(event: RunProgress): void {
    switch (event.type) {
      case 'created':
        if (!this.live) this.line(event.elapsedMs, 'created');
        this.phase = 'QUEUED';
        this.message = 'waiting for the first status';
        break;
      case 'update': {
        this.phase = event.phase;
        this.message = event.message;
        if (event.phaseChanged && !this.live) {
          this.line(event.elapsedMs, `${event.phase}${event.message === '' ? '' : `  ${event.message}`}`);
        }
        for (const link of event.logLinks) {
          const key = `${link.name}\u0000${link.uri}`;
          if (this.seenLinks.has(key)) continue;
          this.seenLinks.add(key);
          this.line(event.elapsedMs, `log: ${link.name === '' ? link.uri : `${link.name}  ${link.uri}`}`);
        }
        break;
      }
      case 'get-error':
        this.line(
          event.elapsedMs,
          `GetTask failed (${event.consecutiveFailures} of ${event.maxFailures} in a row): ${event.error.message}`,
        );
        break;
      case 'aborting':
        this.line(
          event.elapsedMs,
          `${event.cause === 'timeout' ? 'timed out' : 'interrupted'}: deleting the task (DeleteTask)…`,
        );
        break;
    }
    this.render();
  }

  /** Stops redrawing and prints the one-line summary. */
  finish(result: RunResult): void {
    this.stop();
    this.options.stream.write(`${runSummary(result)}\n`);
  }

  /** Stops redrawing and clears the live line. */
  stop(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
    this.clearLine();
  }

  private line(elapsedMs: number, text: string): void {
    this.clearLine();
    this.options.stream.write(`[${seconds(elapsedMs).padStart(7)}] ${text}\n`);
  }

  private render(): void {
    if (!this.live || this.ticker === undefined) return;
    this.frame = (this.frame + 1) % SPINNER.length;
    const elapsed = seconds(performance.now() - this.started);
    // One line: a multi-line message (a traceback, say) is flattened.
    const message = this.message.replace(/\s+/g, ' ').trim();
    let text = `${SPINNER[this.frame]} ${this.phase}  ${elapsed}${message === '' ? '' : `  ${message}`}`;
    const width = Math.max(20, (this.options.stream.columns ?? 80) - 1);
    if (text.length > width) text = `${text.slice(0, width - 1)}…`;
    this.options.stream.write(`\r\u001b[2K${text}`);
    this.lineShown = true;
  }

  private clearLine(): void {
    if (!this.lineShown) return;
    this.options.stream.write('\r\u001b[2K');
    this.lineShown = false;
  }
}

/** The last line of a run, e.g. `SUCCEEDED in 2.3s`. */
export function runSummary(result: RunResult): string {
  const after = seconds(result.durationMs);
  switch (result.reason) {
    case 'completed':
      if (result.phase === 'SUCCEEDED') {
        return result.outputsError === undefined
          ? `SUCCEEDED in ${after}`
          : `SUCCEEDED in ${after}, but the outputs are unreadable: ${result.outputsError}`;
      }
      return `${result.phase} after ${after}${result.message === '' ? '' : `: ${result.message}`}`;
    case 'aborted':
      return (
        `ABORTED after ${after} (${result.interrupted === 'timeout' ? 'timeout' : 'interrupted'}): ` +
        (result.resourceMeta === undefined
          ? 'the task had not been created'
          : result.deleted
            ? 'DeleteTask sent'
            : `DeleteTask failed: ${result.error?.message ?? 'unknown error'}`)
      );
    case 'create-failed':
      return `CreateTask failed after ${after}: ${result.message}`;
    case 'get-failures':
    case 'bad-phase':
      return `FAILED after ${after}: ${result.message}`;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
