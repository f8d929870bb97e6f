// The benchmark's trivial connectors for this project's service (`flyte-connect serve --modules <this file>`), with
// the same semantics as python/bench_flyte_sdk.py and python/bench_flytekit.py:
// - `bench_job`: create returns a job id at once; get answers RUNNING until the job was polled
//   BENCH_POLLS_TO_SUCCESS times (default 3), then SUCCEEDED with one integer output `result`.
// - `bench_slow_job`: the same, but create awaits a 1 s backend response (a timer standing in for it).
// Plain JavaScript, as an installed (compiled) connector package is: a TypeScript module would make the service
// load Node's type stripper at start, which no deployment pays and which the cold-start scenario would measure.
import { setTimeout as sleep } from 'node:timers/promises';
import { AsyncConnector, defineConnectorPlugin, defineSpec, jsonMetaCodec } from '@org/connector-core';

const pollsToSuccess = Number(process.env['BENCH_POLLS_TO_SUCCESS'] ?? 3);
const SLOW_CREATE_MS = 1000;
const polls = new Map();
let jobNumber = 0;

class BenchConnector extends AsyncConnector {
  name = 'Bench Connector';
  taskCategory = 'bench_job';
  spec = defineSpec({ description: 'Benchmark connector (tools/src/bench).', params: {} });
  metaCodec = jsonMetaCodec((value) => {
    if (typeof value !== 'object' || value === null || typeof value.job_id !== 'string')
      throw new Error('expected {"job_id": string}');
    return { job_id: value.job_id };
  });

  async create(_ctx) {
    jobNumber += 1;
    return { job_id: `job-${jobNumber}` };
  }

  async get(meta, _ctx) {
    const count = (polls.get(meta.job_id) ?? 0) + 1;
    polls.set(meta.job_id, count);
    if (count < pollsToSuccess) return { phase: 'RUNNING' };
    return { phase: 'SUCCEEDED', outputs: { result: 42n } };
  }

  async delete(meta) {
    polls.delete(meta.job_id);
  }
}

class SlowBenchConnector extends BenchConnector {
  taskCategory = 'bench_slow_job';

  async create(ctx) {
    await sleep(SLOW_CREATE_MS);
    return super.create(ctx);
  }
}

export default defineConnectorPlugin({ connectors: () => [new BenchConnector(), new SlowBenchConnector()] });
