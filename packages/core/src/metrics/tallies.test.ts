import { Histogram, Registry, Summary } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Tally, TalliedHistogram, TalliedSummary } from './tallies.js';

const BOUNDS = [0.01, 0.1, 1];
// On a bound, above every bound, zero, and in between: the cases where `le` semantics can go wrong.
const OBSERVATIONS = [0, 0.01, 0.05, 0.1, 0.5, 1, 7, 0.1];

describe('tallied metrics', () => {
  it('expose exactly the text prom-client’s own Histogram exposes for the same observations', async () => {
    const ours = new Registry();
    const fast = new Tally(BOUNDS);
    const slow = new Tally(BOUNDS);
    new TalliedHistogram({
      name: 'h',
      help: 'help',
      labelNames: ['op'],
      buckets: BOUNDS,
      registry: ours,
      series: () => [
        { labels: { op: 'get' }, tally: fast },
        { labels: { op: 'create' }, tally: slow },
      ],
    });
    const reference = new Registry();
    const histogram = new Histogram({
      name: 'h',
      help: 'help',
      labelNames: ['op'],
      buckets: BOUNDS,
      registers: [reference],
    });
    for (const value of OBSERVATIONS) {
      fast.observe(value);
      histogram.observe({ op: 'get' }, value);
    }
    slow.observe(3);
    histogram.observe({ op: 'create' }, 3);

    expect(await ours.metrics()).toBe(await reference.metrics());
  });

  it('expose a summary as _sum and _count only, as Python’s prometheus_client does', async () => {
    const ours = new Registry();
    const tally = new Tally();
    new TalliedSummary({
      name: 's',
      help: 'help',
      labelNames: ['task_type'],
      registry: ours,
      series: () => [{ labels: { task_type: 'bq' }, tally }],
    });
    const reference = new Registry();
    const summary = new Summary({
      name: 's',
      help: 'help',
      labelNames: ['task_type'],
      percentiles: [],
      registers: [reference],
    });
    for (const value of OBSERVATIONS) {
      tally.observe(value);
      summary.observe({ task_type: 'bq' }, value);
    }

    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('s_sum{task_type="bq"} 8.76');
    expect(text).toContain('s_count{task_type="bq"} 8');
  });

  it('refuses a series tallied with other bounds than its histogram’s', async () => {
    const registry = new Registry();
    new TalliedHistogram({
      name: 'h',
      help: 'help',
      labelNames: ['op'],
      buckets: BOUNDS,
      registry,
      series: () => [{ labels: { op: 'get' }, tally: new Tally([0.5]) }],
    });
    await expect(registry.metrics()).rejects.toThrow(/h: a series has other bucket bounds/);
  });
});
