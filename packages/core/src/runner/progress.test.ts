import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { InternalError } from '../errors.js';
import { ResourceSchema } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { ProgressDisplay, runSummary } from './progress.js';
import type { RunProgress, RunResult } from './run-task.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 60, write: (text: string) => writes.push(text) };
}

const update = (
  elapsedMs: number,
  phase: 'RUNNING' | 'SUCCEEDED',
  changed: boolean,
  links = 0,
): RunProgress => ({
  type: 'update',
  elapsedMs,
  phase,
  phaseChanged: changed,
  message: phase === 'RUNNING' ? 'crunching' : '',
  logLinks: Array.from({ length: links }, (_, i) => ({ name: `Console ${i}`, uri: `https://x/${i}` })),
  resource: create(ResourceSchema),
});

const result = (overrides: Partial<RunResult>): RunResult => ({
  phase: 'SUCCEEDED',
  reason: 'completed',
  message: '',
  outputs: {},
  outputsError: undefined,
  logLinks: [],
  customInfo: undefined,
  resource: undefined,
  resourceMeta: new Uint8Array([1]),
  error: undefined,
  interrupted: undefined,
  deleted: false,
  outputPrefix: '/tmp/x',
  durationMs: 2345,
  exitCode: 0,
  ...overrides,
});

describe('ProgressDisplay', () => {
  it('prints one plain line per phase change and each log link once when not on a TTY', () => {
    const out = stream(false);
    const display = new ProgressDisplay({ stream: out });
    display.handle({ type: 'created', elapsedMs: 5 });
    display.handle(update(10, 'RUNNING', true, 1));
    display.handle(update(1010, 'RUNNING', false, 2));
    display.handle({
      type: 'get-error',
      elapsedMs: 1500,
      error: new InternalError('boom'),
      consecutiveFailures: 1,
      maxFailures: 5,
    });
    display.handle(update(2010, 'SUCCEEDED', true, 2));
    display.finish(result({}));
    expect(out.writes.join('')).toBe(
      [
        '[   0.0s] created',
        '[   0.0s] RUNNING  crunching',
        '[   0.0s] log: Console 0  https://x/0',
        '[   1.0s] log: Console 1  https://x/1',
        '[   1.5s] GetTask failed (1 of 5 in a row): boom',
        '[   2.0s] SUCCEEDED',
        'SUCCEEDED in 2.3s',
        '',
      ].join('\n'),
    );
  });

  it('redraws a live line on a TTY, printing links above it, and clears it at the end', () => {
    const out = stream(true);
    const display = new ProgressDisplay({ stream: out, refreshMs: 5 });
    display.handle(update(10, 'RUNNING', true, 1));
    const text = out.writes.join('');
    expect(text).toContain('\r\u001b[2K');
    expect(text).toMatch(/RUNNING {2}\d+\.\ds {2}crunching/);
    expect(text).toContain('[   0.0s] log: Console 0  https://x/0\n');
    expect(text).not.toContain('[   0.0s] RUNNING'); // phase changes are shown on the live line only
    display.finish(result({ phase: 'FAILED', message: 'bad', exitCode: 1 }));
    expect(out.writes.at(-2)).toBe('\r\u001b[2K');
    expect(out.writes.at(-1)).toBe('FAILED after 2.3s: bad\n');
  });
});

describe('runSummary', () => {
  it('says how the run ended', () => {
    expect(
      runSummary(result({ reason: 'aborted', phase: 'ABORTED', interrupted: 'timeout', deleted: true })),
    ).toBe('ABORTED after 2.3s (timeout): DeleteTask sent');
    expect(runSummary(result({ reason: 'aborted', phase: 'ABORTED', resourceMeta: undefined }))).toBe(
      'ABORTED after 2.3s (interrupted): the task had not been created',
    );
    expect(runSummary(result({ reason: 'create-failed', phase: 'RETRYABLE_FAILED', message: 'nope' }))).toBe(
      'CreateTask failed after 2.3s: nope',
    );
    expect(runSummary(result({ outputsError: 'bad output' }))).toContain(
      'outputs are unreadable: bad output',
    );
  });
});
