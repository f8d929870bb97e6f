// What every scenario shares: installed tools, IDL, the run's durations, and the checked set-up of a target (a job
// created and polled to SUCCEEDED with its output before anything is measured).
import { connect, unary } from './grpc.ts';
import {
  createTaskRequest,
  getTaskRequest,
  methodPath,
  readGetTaskResponse,
  resourceMetaOf,
  type Family,
  type FamilyIdl,
} from './idl.ts';
import type { PeerName, PythonEnv } from './install.ts';
import { startServer, type BareAnswer, type RunningServer, type Target } from './targets.ts';

export interface Profile {
  readonly quick: boolean;
  readonly warmupSeconds: number;
  /** Length of each measured load phase. */
  readonly phaseSeconds: number;
  /** The GetTask saturation phase is split into this many rounds, alternating between the targets. */
  readonly saturationRounds: number;
  readonly rates: readonly number[];
  readonly slowCreates: number;
  readonly coldStarts: number;
}

export const FULL: Profile = {
  quick: false,
  warmupSeconds: 3,
  phaseSeconds: 15,
  saturationRounds: 5,
  rates: [500, 2000, 5000],
  slowCreates: 10_000,
  coldStarts: 5,
};

export const QUICK: Profile = {
  quick: true,
  warmupSeconds: 1,
  phaseSeconds: 2,
  saturationRounds: 1,
  rates: [500, 2000, 5000],
  slowCreates: 1_000,
  coldStarts: 1,
};

/** Our service's answers (base64), which the bare server repeats so that both move the same bytes. */
export interface Calibration {
  readonly getTaskResponse: string;
  readonly createTaskResponse: string;
}

export interface BenchContext {
  readonly ghz: string;
  readonly peers: Readonly<Record<PeerName, PythonEnv>>;
  readonly idl: Readonly<Record<Family, FamilyIdl>>;
  readonly workDir: string;
  readonly profile: Profile;
  readonly targets: readonly Target[];
  readonly calibration: Calibration;
  readonly log: (line: string) => void;
}

export const BENCH_TASK = 'bench_job';
export const SLOW_TASK = 'bench_slow_job';

export async function withServer<T>(
  ctx: Pick<BenchContext, 'peers' | 'workDir'>,
  target: Target,
  bareAnswers: Readonly<Record<string, BareAnswer>> | undefined,
  body: (server: RunningServer) => Promise<T>,
): Promise<T> {
  const server = await startServer(target, { peers: ctx.peers, workDir: ctx.workDir, bareAnswers });
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

/** Starts every target (one after another), runs `body` with all of them up, and stops them all. */
export async function withServers<T>(
  ctx: Pick<BenchContext, 'peers' | 'workDir'>,
  targets: readonly Target[],
  bareAnswers: (target: Target) => Readonly<Record<string, BareAnswer>> | undefined,
  body: (servers: readonly RunningServer[]) => Promise<T>,
): Promise<T> {
  const servers: RunningServer[] = [];
  try {
    for (const target of targets) {
      servers.push(
        await startServer(target, {
          peers: ctx.peers,
          workDir: ctx.workDir,
          bareAnswers: bareAnswers(target),
        }),
      );
    }
    return await body(servers);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

export interface PreparedGet {
  /** GetTask request bytes for a job that is SUCCEEDED, so every measured call returns the output. */
  readonly request: Uint8Array;
  readonly response: Buffer;
  readonly createResponse: Buffer;
}

/**
 * Creates a bench job on the target and polls it until SUCCEEDED, checking the integer output: a benchmark is only
 * meaningful if every target really does the work.
 */
export async function prepareGet(
  idls: Readonly<Record<Family, FamilyIdl>>,
  server: RunningServer,
): Promise<PreparedGet> {
  const idl = idls[server.target.family];
  const client = connect(server.port);
  try {
    const created = await unary(
      client,
      methodPath(idl, 'CreateTask'),
      createTaskRequest(idls.v2, BENCH_TASK, 16),
    );
    const request = getTaskRequest(idls.v2, BENCH_TASK, resourceMetaOf(idl, created));
    for (let poll = 1; poll <= 10; poll += 1) {
      const response = await unary(client, methodPath(idl, 'GetTask'), request);
      const answer = readGetTaskResponse(idl, response);
      if (answer.phase === 'SUCCEEDED') {
        if (answer.result !== '42')
          throw new Error(`${server.target.label}: SUCCEEDED without the output result=42`);
        return { request, response, createResponse: created };
      }
      if (answer.phase !== 'RUNNING')
        throw new Error(`${server.target.label}: GetTask answered ${answer.phase}`);
    }
    throw new Error(`${server.target.label}: the job never SUCCEEDED`);
  } finally {
    client.close();
  }
}
