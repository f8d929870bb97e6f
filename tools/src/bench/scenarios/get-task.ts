// Scenario 1: GetTask throughput at saturation (with the server's CPU per call) and latency percentiles at fixed
// offered rates.
import type { LatencyPoint } from '../chart.ts';
import { BENCH_TASK, prepareGet, withServer, type BenchContext } from '../context.ts';
import { getTaskRequest, ghzCall, methodPath } from '../idl.ts';
import { load } from '../ghz.ts';
import { cpuMs, rssMb } from '../proc.ts';
import type { Row, ScenarioReport } from '../report.ts';

const SATURATION_CONCURRENCY = 64;

/** Enough workers that the generator is never the limit at the offered rate (up to ~200 ms per call). */
const workersFor = (rate: number) => Math.max(50, Math.ceil(rate / 5));

export async function getTaskScenario(
  ctx: BenchContext,
): Promise<{ report: ScenarioReport; chart: LatencyPoint[] }> {
  const { profile } = ctx;
  const saturationRows: Row[] = [];
  const rateRows = new Map<number, Row[]>(profile.rates.map((rate) => [rate, []]));
  const chart: LatencyPoint[] = [];
  const notes: string[] = [];

  for (const target of ctx.targets) {
    const idl = ctx.idl[target.family];
    const bareAnswers = {
      [methodPath(idl, 'GetTask')]: { base64: ctx.calibration.getTaskResponse },
    };
    await withServer(ctx, target, bareAnswers, async (server) => {
      ctx.log(`GetTask: ${target.label}`);
      const prepared =
        target.kind === 'bare'
          ? { request: getTaskRequest(ctx.idl.v2, BENCH_TASK, Buffer.from('{"job_id": "job-1"}')) }
          : await prepareGet(ctx.idl, server);
      if ('response' in prepared)
        notes.push(
          `${target.label}: GetTask answer ${prepared.response.length} bytes, SUCCEEDED with result=42.`,
        );
      const base = {
        ghz: ctx.ghz,
        port: server.port,
        protoset: idl.protoset,
        call: ghzCall(idl, 'GetTask'),
        request: prepared.request,
        workDir: ctx.workDir,
      };
      await load({
        ...base,
        name: `get-warmup-${target.id}`,
        concurrency: SATURATION_CONCURRENCY,
        seconds: profile.warmupSeconds,
      });

      const cpuBefore = cpuMs(server.pid);
      const saturated = await load({
        ...base,
        name: `get-saturation-${target.id}`,
        concurrency: SATURATION_CONCURRENCY,
        seconds: profile.phaseSeconds,
      });
      const cpuUsPerCall = ((cpuMs(server.pid) - cpuBefore) * 1000) / Math.max(1, saturated.ok);
      saturationRows.push({
        label: target.label,
        target: target.id,
        cells: [
          saturated.okPerSecond,
          cpuUsPerCall,
          saturated.latencyMs(0.5),
          saturated.latencyMs(0.99),
          saturated.errors,
        ],
      });

      for (const rate of profile.rates) {
        const result = await load({
          ...base,
          name: `get-${rate}-${target.id}`,
          concurrency: workersFor(rate),
          rps: rate,
          seconds: profile.phaseSeconds,
        });
        const point = {
          target: target.label,
          offered: rate,
          achieved: result.okPerSecond,
          p50: result.latencyMs(0.5),
          p99: result.latencyMs(0.99),
          p999: result.latencyMs(0.999),
        };
        chart.push(point);
        rateRows.get(rate)!.push({
          label: target.label,
          target: target.id,
          cells: [point.achieved, point.p50, point.p99, point.p999, result.errors],
        });
      }
      notes.push(`${target.label}: RSS after the GetTask load ${rssMb(server.pid).toFixed(0)} MB.`);
    });
  }

  return {
    chart,
    report: {
      heading: '1. GetTask: throughput at saturation, latency at fixed rates',
      method:
        `ghz sends the same GetTask request (a job that already SUCCEEDED, so every answer carries the integer ` +
        `output) with ${SATURATION_CONCURRENCY} calls in flight for ${profile.phaseSeconds} s after a ` +
        `${profile.warmupSeconds} s warm-up, then at fixed offered rates of ${profile.rates.join(', ')}/s for ` +
        `${profile.phaseSeconds} s each (workers = max(50, rate / 5)). Server CPU per call = the server process's ` +
        `utime + stime over the saturation phase ÷ the calls answered. Percentiles are over successful calls; a ` +
        `target whose achieved rate is below the offered rate could not sustain it.`,
      tables: [
        {
          title: 'Saturation (one server core)',
          figures: [
            { label: 'GetTask/s', better: 'higher' },
            { label: 'server CPU per call (µs)', better: 'lower' },
            { label: 'p50 (ms)', digits: 2 },
            { label: 'p99 (ms)', digits: 2 },
            { label: 'errors' },
          ],
          rows: saturationRows,
        },
        ...profile.rates.map((rate) => ({
          title: `Offered ${rate.toLocaleString('en-US')} GetTask/s`,
          figures: [
            { label: 'achieved/s', better: 'higher' as const },
            { label: 'p50 (ms)', better: 'lower' as const, digits: 2 },
            { label: 'p99 (ms)', better: 'lower' as const, digits: 2 },
            { label: 'p99.9 (ms)', better: 'lower' as const, digits: 2 },
            { label: 'errors' },
          ],
          rows: rateRows.get(rate)!,
        })),
      ],
      notes,
    },
  };
}
