// The benchmark's trivial connectors for this project's service (`flyte-connect serve --modules <this file>`), with
// the same semantics as python/bench_flyte_sdk.py and python/bench_flytekit.py:
// - `bench_job`: create returns a job id at once; get answers RUNNING until the job was polled
//   BENCH_POLLS_TO_SUCCESS times (default 3), then SUCCEEDED with one integer output `result`.
// - `bench_slow_job`: the same, but create awaits a 1 s backend response (a timer standing in for it).
// Node's type stripping loads this file directly, as the service loads any `--modules` path.
import {
  AsyncConnector,
  defineConnectorPlugin,
  defineSpec,
  jsonMetaCodec,
  type CreateContext,
  type OperationContext,
  type Resource,
} from '@org/connector-core';
import { setTimeout as sleep } from 'node:timers/promises';

interface BenchJob {
  readonly job_id: string;
}

const pollsToSuccess = Number(process.env['BENCH_POLLS_TO_SUCCESS'] ?? 3);
const SLOW_CREATE_MS = 1000;
const polls = new Map<string, number>();
let jobNumber = 0;

class BenchConnector extends AsyncConnector<BenchJob> {
  readonly name: string = 'Bench Connector';
  readonly taskCategory: string = 'bench_job';
  readonly spec = defineSpec({ description: 'Benchmark connector (tools/src/bench).', params: {} });
  readonly metaCodec = jsonMetaCodec((value): BenchJob => {
    if (
      typeof value !== 'object' ||
      value === null ||
      !('job_id' in value) ||
      typeof value.job_id !== 'string'
    )
      throw new Error('expected {"job_id": string}');
    return { job_id: value.job_id };
  });

  override async create(_ctx: CreateContext): Promise<BenchJob> {
    jobNumber += 1;
    return { job_id: `job-${jobNumber}` };
  }

  override async get(meta: BenchJob, _ctx: OperationContext): Promise<Resource> {
    const count = (polls.get(meta.job_id) ?? 0) + 1;
    polls.set(meta.job_id, count);
    if (count < pollsToSuccess) return { phase: 'RUNNING' };
    return { phase: 'SUCCEEDED', outputs: { result: 42n } };
  }

  override async delete(meta: BenchJob): Promise<void> {
    polls.delete(meta.job_id);
  }
}

class SlowBenchConnector extends BenchConnector {
  override readonly taskCategory: string = 'bench_slow_job';

  override async create(ctx: CreateContext): Promise<BenchJob> {
    await sleep(SLOW_CREATE_MS);
    return super.create(ctx);
  }
}

export default defineConnectorPlugin({ connectors: () => [new BenchConnector(), new SlowBenchConnector()] });
