import { afterEach, describe, expect, it } from 'vitest';
import { StallWatchdog, type StallReport, type WatchedCall } from './stall-watchdog.js';

const THRESHOLD_MS = 100;

function busyLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // blocking the thread on purpose
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let watchdog: StallWatchdog | undefined;
afterEach(() => watchdog?.stop());

function watch(notSuspect?: (name: string) => boolean): StallReport[] {
  const reports: StallReport[] = [];
  watchdog = new StallWatchdog({
    thresholdMs: THRESHOLD_MS,
    onStall: (report) => reports.push(report),
    ...(notSuspect === undefined ? {} : { notSuspect }),
  });
  watchdog.start();
  return reports;
}

const call = (connectorName: string, operation = 'create'): WatchedCall => ({
  connectorName,
  taskType: `${connectorName}_type`,
  operation,
});

describe('StallWatchdog', () => {
  it('names a method whose synchronous part blocked the loop, with the time it took', async () => {
    const reports = watch();
    const busy = call('busy');
    const other = call('waiting', 'get');
    watchdog!.callStarted(other);
    watchdog!.callStarted(busy);
    await sleep(10);
    watchdog!.timeSync(busy, () => busyLoop(250));
    watchdog!.callEnded(busy);
    await sleep(THRESHOLD_MS);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.blockedMs).toBeGreaterThanOrEqual(240);
    expect(reports[0]!.culprits).toEqual([
      { connector: 'busy', taskType: 'busy_type', operation: 'create', syncMs: expect.any(Number) },
    ]);
    expect(reports[0]!.culprits[0]!.syncMs).toBeGreaterThanOrEqual(250);
    // Exact attribution: the call that merely waited is not blamed.
    expect(reports[0]!.suspects).toEqual([]);
  });

  it('names the calls in flight as suspects when no method alone explains the stall', async () => {
    const reports = watch();
    const blocker = call('blocker');
    watchdog!.callStarted(blocker);
    await sleep(30);
    busyLoop(200); // a continuation, not the timed synchronous part
    const late = call('late'); // queued behind the stall: cannot have caused it
    watchdog!.callStarted(late);
    await sleep(THRESHOLD_MS);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.culprits).toEqual([]);
    expect(reports[0]!.suspects).toEqual([
      { connector: 'blocker', taskType: 'blocker_type', operation: 'create' },
    ]);
  });

  it('keeps a call that ended in the blocking callback as a suspect, but not one that ended well before', async () => {
    const reports = watch();
    const early = call('early');
    watchdog!.callStarted(early);
    await sleep(10);
    watchdog!.callEnded(early);
    await sleep(150);
    const blocker = call('blocker');
    watchdog!.callStarted(blocker);
    await sleep(30);
    busyLoop(200);
    watchdog!.callEnded(blocker);
    await sleep(THRESHOLD_MS);
    expect(reports.map((report) => report.suspects.map((suspect) => suspect.connector))).toEqual([
      ['blocker'],
    ]);
  });

  it('still names a call that ended in the blocking callback after a hundred others ended with it', async () => {
    const reports = watch();
    const calls = Array.from({ length: 100 }, (_, i) => call(i === 99 ? 'last' : 'many'));
    for (const each of calls) watchdog!.callStarted(each);
    await sleep(30);
    busyLoop(200);
    for (const each of calls) watchdog!.callEnded(each);
    await sleep(THRESHOLD_MS);
    expect(reports.map((report) => report.suspects.map((suspect) => suspect.connector).sort())).toEqual([
      ['last', 'many'],
    ]);
  });

  it('reports a stall outside any call with neither culprit nor suspect, and leaves out connectors that cannot block it', async () => {
    const reports = watch((name) => name === 'isolated');
    watchdog!.callStarted(call('isolated'));
    await sleep(30);
    busyLoop(200);
    await sleep(THRESHOLD_MS);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ culprits: [], suspects: [], thresholdMs: THRESHOLD_MS });
  });

  it('stays quiet below the threshold', async () => {
    const reports = watch();
    const quick = call('quick');
    watchdog!.callStarted(quick);
    for (let i = 0; i < 5; i += 1) {
      watchdog!.timeSync(quick, () => busyLoop(20));
      await sleep(20);
    }
    await sleep(THRESHOLD_MS);
    expect(reports).toEqual([]);
  });

  it('times every page of an async iterable', async () => {
    const reports = watch();
    const logs = call('logs', 'get_logs');
    async function* pages() {
      yield 1;
      busyLoop(200);
      yield 2;
    }
    const seen: number[] = [];
    for await (const page of watchdog!.timeIterable(logs, pages())) seen.push(page);
    await sleep(THRESHOLD_MS);
    expect(seen).toEqual([1, 2]);
    expect(reports[0]?.culprits.map((culprit) => culprit.operation)).toEqual(['get_logs']);
  });
});
