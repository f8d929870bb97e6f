// Scenario 1: GetTask throughput at saturation (with the server's CPU per call) and latency percentiles at fixed
// offered rates.
import type { LatencyPoint } from '../chart.ts';
import { BENCH_TASK, prepareGet, withServers, type BenchContext } from '../context.ts';
import { getTaskRequest, ghzCall, methodPath } from '../idl.ts';
import { load, percentile, type LoadSpec } from '../ghz.ts';
import { cpuMs, rssMb } from '../proc.ts';
import type { Row, ScenarioReport } from '../report.ts';
import type { Target, TargetId } from '../targets.ts';

const SATURATION_CONCURRENCY = 64;

/** Enough workers that the generator is never the limit at the offered rate (up to ~200 ms per call). */
const workersFor = (rate: number) => Math.max(50, Math.ceil(rate / 5));

/** What the alternating saturation rounds add up to for one target. */
interface SaturationTally {
  cpuMs: number;
  ok: number;
  errors: number;
  seconds: number;
  readonly latencies: number[][];
}

export async function getTaskScenario(
  ctx: BenchContext,
): Promise<{ report: ScenarioReport; chart: LatencyPoint[] }> {
  const { profile } = ctx;
  const saturationRows: Row[] = [];
  const rateRows = new Map<number, Row[]>(profile.rates.map((rate) => [rate, []]));
  const chart: LatencyPoint[] = [];
  const notes: string[] = [];
  const roundSeconds = profile.phaseSeconds / profile.saturationRounds;

  // Every target is up at once so that the saturation phase can alternate between them: this machine's speed
  // drifts by tens of percent within minutes, and back-to-back phases would charge the drift to whichever target
  // happened to run then. Idle servers cost next to nothing meanwhile.
  const bareAnswers = (target: Target) => {
    const idl = ctx.idl[target.family];
    return { [methodPath(idl, 'GetTask')]: { base64: ctx.calibration.getTaskResponse } };
  };
  await withServers(ctx, ctx.targets, bareAnswers, async (servers) => {
    const loads = new Map<TargetId, Omit<LoadSpec, 'name' | 'concurrency'>>();
    for (const server of servers) {
      const { target } = server;
      const idl = ctx.idl[target.family];
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
      loads.set(target.id, base);
      ctx.log(`GetTask: warming up ${target.label}`);
      await load({
        ...base,
        name: `get-warmup-${target.id}`,
        concurrency: SATURATION_CONCURRENCY,
        seconds: profile.warmupSeconds,
      });
    }

    const tallies = new Map<TargetId, SaturationTally>(
      servers.map((server) => [server.target.id, { cpuMs: 0, ok: 0, errors: 0, seconds: 0, latencies: [] }]),
    );
    for (let round = 0; round < profile.saturationRounds; round += 1) {
      ctx.log(`GetTask: saturation round ${round + 1} of ${profile.saturationRounds}`);
      // Each round starts with a different target, so that none always follows the same neighbour.
      for (let step = 0; step < servers.length; step += 1) {
        const server = servers[(round + step) % servers.length]!;
        const tally = tallies.get(server.target.id)!;
        const cpuBefore = cpuMs(server.pid);
        const result = await load({
          ...loads.get(server.target.id)!,
          name: `get-saturation-${server.target.id}-${round + 1}`,
          concurrency: SATURATION_CONCURRENCY,
          seconds: roundSeconds,
        });
        tally.cpuMs += cpuMs(server.pid) - cpuBefore;
        tally.ok += result.ok;
        tally.errors += result.errors;
        tally.seconds += result.seconds;
        tally.latencies.push([...result.latenciesMs]);
      }
    }
    for (const server of servers) {
      const tally = tallies.get(server.target.id)!;
      const latencies = tally.latencies.flat().sort((a, b) => a - b);
      saturationRows.push({
        label: server.target.label,
        target: server.target.id,
        cells: [
          tally.ok / tally.seconds,
          (tally.cpuMs * 1000) / Math.max(1, tally.ok),
          percentile(latencies, 0.5),
          percentile(latencies, 0.99),
          tally.errors,
        ],
      });
    }

    for (const server of servers) {
      const { target } = server;
      ctx.log(`GetTask: fixed rates, ${target.label}`);
      for (const rate of profile.rates) {
        const result = await load({
          ...loads.get(target.id)!,
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
    }
  });

  return {
    chart,
    report: {
      heading: '1. GetTask: throughput at saturation, latency at fixed rates',
      method:
        `ghz sends the same GetTask request (a job that already SUCCEEDED, so every answer carries the integer ` +
        `output). All targets run at once (idle but one). Saturation: ${SATURATION_CONCURRENCY} calls in flight ` +
        `for ${profile.phaseSeconds} s per target after a ${profile.warmupSeconds} s warm-up, taken in ` +
        `${profile.saturationRounds} rounds of ${roundSeconds} s that alternate between the targets (each round ` +
        `starting with the next one), so that the machine's drifting speed falls on every target alike; server ` +
        `CPU per call = the server process's utime + stime over its rounds ÷ the calls it answered in them, and ` +
        `the percentiles are over all of its rounds' calls. Then fixed offered rates of ` +
        `${profile.rates.join(', ')}/s for ${profile.phaseSeconds} s each (workers = max(50, rate / 5)). ` +
        `Percentiles are over successful calls; a target whose achieved rate is below the offered rate could not ` +
        `sustain it.`,
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
