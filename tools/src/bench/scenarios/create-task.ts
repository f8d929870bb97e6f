// Scenario 2: CreateTask with a 1 KiB and a 1 MiB input, at saturation: throughput, server CPU per call, latency and
// the server's peak memory.
import { BENCH_TASK, withServer, type BenchContext } from '../context.ts';
import { connect, unary } from '../grpc.ts';
import { createTaskRequest, ghzCall, methodPath, resourceMetaOf } from '../idl.ts';
import { load } from '../ghz.ts';
import { cpuMs, peakRssMb } from '../proc.ts';
import type { Row, ScenarioReport } from '../report.ts';

const SIZES = [
  { label: '1 KiB', bytes: 1024, concurrency: 64 },
  // Fewer calls in flight: 64 × 1 MiB would measure buffering more than the service.
  { label: '1 MiB', bytes: 1024 * 1024, concurrency: 8 },
] as const;

export async function createTaskScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const rows = new Map<string, Row[]>(SIZES.map((size) => [size.label, []]));
  const requests = new Map(
    SIZES.map((size) => [size.label, createTaskRequest(ctx.idl.v2, BENCH_TASK, size.bytes)]),
  );

  for (const target of ctx.targets) {
    const idl = ctx.idl[target.family];
    const bareAnswers = { [methodPath(idl, 'CreateTask')]: { base64: ctx.calibration.createTaskResponse } };
    await withServer(ctx, target, bareAnswers, async (server) => {
      ctx.log(`CreateTask: ${target.label}`);
      const client = connect(server.port);
      try {
        for (const size of SIZES) {
          // Every target must accept the request before it is measured (message limits, input conversion).
          const answer = await unary(client, methodPath(idl, 'CreateTask'), requests.get(size.label)!);
          if (target.kind !== 'bare') resourceMetaOf(idl, answer);
        }
      } finally {
        client.close();
      }
      const base = {
        ghz: ctx.ghz,
        port: server.port,
        protoset: idl.protoset,
        call: ghzCall(idl, 'CreateTask'),
        workDir: ctx.workDir,
      };
      await load({
        ...base,
        name: `create-warmup-${target.id}`,
        request: requests.get('1 KiB')!,
        concurrency: 64,
        seconds: ctx.profile.warmupSeconds,
      });
      for (const size of SIZES) {
        const cpuBefore = cpuMs(server.pid);
        const result = await load({
          ...base,
          name: `create-${size.bytes}-${target.id}`,
          request: requests.get(size.label)!,
          concurrency: size.concurrency,
          seconds: ctx.profile.phaseSeconds,
        });
        const cpuMsPerCall = (cpuMs(server.pid) - cpuBefore) / Math.max(1, result.ok);
        rows.get(size.label)!.push({
          label: target.label,
          target: target.id,
          cells: [
            result.okPerSecond,
            cpuMsPerCall,
            result.latencyMs(0.5),
            result.latencyMs(0.99),
            peakRssMb(server.pid),
            result.errors,
          ],
        });
      }
    });
  }

  return {
    heading: '2. CreateTask with 1 KiB and 1 MiB inputs',
    method:
      `ghz sends the same CreateTask request (one STRING input \`payload\` of the given size, one INTEGER output ` +
      `declared) at saturation for ${ctx.profile.phaseSeconds} s per size, after a ${ctx.profile.warmupSeconds} s ` +
      `warm-up with the 1 KiB request; ${SIZES.map((size) => `${size.concurrency} calls in flight for ${size.label}`).join(', ')}. ` +
      `Peak RSS is the server's VmHWM after the phase (it includes the 1 KiB phase).`,
    tables: SIZES.map((size) => ({
      title: `CreateTask, ${size.label} input`,
      figures: [
        { label: 'CreateTask/s', better: 'higher' },
        { label: 'server CPU per call (ms)', better: 'lower', digits: 3 },
        { label: 'p50 (ms)', better: 'lower', digits: 2 },
        { label: 'p99 (ms)', better: 'lower', digits: 2 },
        { label: 'peak RSS (MB)', better: 'lower' },
        { label: 'errors' },
      ],
      rows: rows.get(size.label)!,
    })),
    notes: [],
  };
}
