// Scenario 4: cold start, from spawning the server to its first SERVING health answer, with every first-party
// connector installed; and the server's memory when idle.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchContext } from '../context.ts';
import { rssMb } from '../proc.ts';
import type { Row, ScenarioReport } from '../report.ts';
import { startServer } from '../targets.ts';

export async function coldStartScenario(ctx: BenchContext): Promise<ScenarioReport> {
  const rows: Row[] = [];
  // One process of ours serves both families: measured once.
  const targets = ctx.targets.filter((target) => target.id !== 'ours-v1');
  for (const target of targets) {
    ctx.log(`cold start: ${target.label}`);
    const times: number[] = [];
    let idleRss = NaN;
    // The first start is discarded: it fills the page cache (and writes Python's bytecode caches if missing).
    for (let run = 0; run <= ctx.profile.coldStarts; run += 1) {
      const server = await startServer(target, { peers: ctx.peers, workDir: ctx.workDir });
      try {
        if (run > 0) times.push(server.startMs);
        if (run === ctx.profile.coldStarts) {
          await sleep(1000);
          idleRss = rssMb(server.pid);
        }
      } finally {
        await server.stop();
      }
    }
    times.sort((a, b) => a - b);
    rows.push({
      label: target.id === 'ours-v2' ? 'flyte-connect (Flyte 1 + 2)' : target.label,
      target: target.id,
      cells: [times[0]!, times[Math.floor((times.length - 1) / 2)]!, idleRss],
    });
  }
  return {
    heading: '4. Cold start to SERVING with all first-party connectors installed',
    method:
      `Time from spawning the server to its first \`grpc.health.v1.Health/Check\` answer SERVING (polled every ` +
      `5 ms), best and median of ${ctx.profile.coldStarts} starts after one discarded warm-up start. flyte-connect ` +
      `runs from the repository root, where discovery finds every first-party connector package (vendor SDKs load ` +
      `on first use); the Python environments have the first-party plugins installed, which their servers import ` +
      `at start through entry points. RSS is measured 1 s after SERVING.`,
    tables: [
      {
        title: 'Cold start',
        figures: [
          { label: 'best (ms)', better: 'lower' },
          { label: 'median (ms)', better: 'lower' },
          { label: 'RSS idle (MB)', better: 'lower' },
        ],
        rows,
        comparisons: [
          { ours: 'ours-v2', other: 'flyte-sdk' },
          { ours: 'ours-v2', other: 'flytekit' },
          { ours: 'ours-v2', other: 'bare' },
        ],
      },
    ],
    notes: [],
  };
}
