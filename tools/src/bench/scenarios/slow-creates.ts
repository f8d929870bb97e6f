// Scenario 3: many CreateTask calls in flight at once, each awaiting a 1 s backend response: errors, memory, and
// how long the whole batch takes.
import { setTimeout as sleep } from 'node:timers/promises';
import { SLOW_TASK, withServer, type BenchContext } from '../context.ts';
import { createTaskRequest, ghzCall, methodPath } from '../idl.ts';
import { load } from '../ghz.ts';
import { peakRssMb, rssMb } from '../proc.ts';
import type { Row, ScenarioReport } from '../report.ts';

/** Calls spread over this many HTTP/2 connections (100 streams each at 10,000), as many clients would. */
const CONNECTIONS = 100;

export async function slowCreatesScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const calls = ctx.profile.slowCreates;
  const request = createTaskRequest(ctx.idl.v2, SLOW_TASK, 16);
  const rows: Row[] = [];
  const notes: string[] = [];

  for (const target of ctx.targets) {
    const idl = ctx.idl[target.family];
    const bareAnswers = {
      [methodPath(idl, 'CreateTask')]: { base64: ctx.calibration.createTaskResponse, delayMs: 1000 },
    };
    await withServer(ctx, target, bareAnswers, async (server) => {
      ctx.log(`${calls} slow creates: ${target.label}`);
      // Idle as in the cold-start scenario: a second after SERVING, once start-up has settled.
      await sleep(1000);
      const idleRss = rssMb(server.pid);
      const result = await load({
        ghz: ctx.ghz,
        port: server.port,
        protoset: idl.protoset,
        call: ghzCall(idl, 'CreateTask'),
        request,
        concurrency: calls,
        connections: Math.min(CONNECTIONS, calls),
        total: calls,
        timeoutSeconds: 120,
        workDir: ctx.workDir,
        name: `slow-create-${target.id}`,
      });
      rows.push({
        label: target.label,
        target: target.id,
        cells: [
          result.ok,
          result.errors,
          result.seconds,
          result.latencyMs(0.5),
          result.latencyMs(0.99),
          idleRss,
          peakRssMb(server.pid),
        ],
      });
      const kinds = Object.entries(result.errorKinds);
      if (kinds.length > 0)
        notes.push(
          `${target.label} errors: ${kinds.map(([message, count]) => `${count} × ${message.slice(0, 160)}`).join('; ')}.`,
        );
    });
  }

  return {
    heading: `3. ${calls.toLocaleString('en-US')} concurrent CreateTask calls awaiting a 1 s backend`,
    method:
      `ghz opens ${Math.min(CONNECTIONS, calls)} connections and starts all ${calls.toLocaleString('en-US')} ` +
      `CreateTask calls at once (one per worker, 120 s deadline) to the \`${SLOW_TASK}\` connector, whose create ` +
      `awaits a 1 s timer standing in for the backend's answer (an asyncio sleep in Python, a timer in Node; the ` +
      `bare server answers after the same timer). This project's service runs with \`--worker 20000\`, since its ` +
      `default queues calls beyond 10 at once while the Python servers run every call concurrently. Idle RSS is ` +
      `taken 1 s after SERVING, before the batch; peak RSS is the server's VmHWM after it; the ideal wall time is 1 s.`,
    tables: [
      {
        title: `${calls.toLocaleString('en-US')} slow creates in flight`,
        figures: [
          { label: 'completed', better: 'higher' },
          { label: 'errors' },
          { label: 'wall time (s)', better: 'lower', digits: 2 },
          { label: 'p50 (ms)', digits: 0 },
          { label: 'p99 (ms)', better: 'lower', digits: 0 },
          { label: 'RSS idle (MB)', better: 'lower' },
          { label: 'peak RSS (MB)', better: 'lower' },
        ],
        rows,
      },
    ],
    notes,
  };
}
