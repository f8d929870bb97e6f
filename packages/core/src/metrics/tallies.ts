import { Histogram, Summary, type LabelValues, type Registry } from 'prom-client';

/**
 * Observations of one label set: count, sum and, with bucket bounds, per-bucket counts. Recording one is a few
 * field updates; prom-client's `observe` hashes the label set on every call, and its Summary also inserts every
 * observation into a t-digest even when no quantile is configured — together ~8 % of a GetTask's CPU.
 */
export class Tally {
  count = 0;
  sum = 0;
  /** Observations per bucket (not cumulative), the last one past every bound (+Inf). */
  readonly bucketCounts: Float64Array;

  constructor(readonly bounds: readonly number[] = []) {
    this.bucketCounts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    this.count++;
    this.sum += value;
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.bucketCounts[bucket]!++;
  }
}

/** A label set and its tally, as read at scrape time. */
export interface TallySeries<L extends string> {
  readonly labels: LabelValues<L>;
  readonly tally: Tally;
}

export interface TalliedMetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registry: Registry;
  /** The series to expose, read at every scrape. */
  readonly series: () => Iterable<TallySeries<L>>;
}

interface ExportedValue {
  readonly metricName: string;
  readonly labels: LabelValues<string>;
  readonly value: number;
}

/**
 * A summary exposed as Python's prometheus_client exposes its summaries: `_sum` and `_count`, no quantiles. A
 * prom-client Summary whose values are read from tallies at scrape time, so the registry formats it as usual.
 */
export class TalliedSummary<L extends string> extends Summary<L> {
  readonly #options: TalliedMetricOptions<L>;

  constructor(options: TalliedMetricOptions<L>) {
    super({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      percentiles: [],
      registers: [],
    });
    this.#options = options;
    options.registry.registerMetric(this);
  }

  override get(): ReturnType<Summary<L>['get']> {
    const { name, help, series } = this.#options;
    const values: ExportedValue[] = [];
    for (const { labels, tally } of series()) {
      values.push({ metricName: `${name}_sum`, labels, value: tally.sum });
      values.push({ metricName: `${name}_count`, labels, value: tally.count });
    }
    return Promise.resolve(exported(name, help, 'summary', values));
  }
}

/** A histogram whose bucket counts, sum and count are read from tallies at scrape time. */
export class TalliedHistogram<L extends string> extends Histogram<L> {
  readonly #options: TalliedMetricOptions<L> & { readonly buckets: readonly number[] };

  constructor(options: TalliedMetricOptions<L> & { readonly buckets: readonly number[] }) {
    super({
      name: options.name,
      help: options.help,
      labelNames: options.labelNames,
      buckets: [...options.buckets],
      registers: [],
    });
    this.#options = options;
    options.registry.registerMetric(this);
  }

  override get(): ReturnType<Histogram<L>['get']> {
    const { name, help, series, buckets } = this.#options;
    const values: ExportedValue[] = [];
    for (const { labels, tally } of series()) {
      if (tally.bounds !== buckets)
        throw new Error(`${name}: a series has other bucket bounds than the histogram`);
      let cumulative = 0;
      for (let bucket = 0; bucket < tally.bucketCounts.length; bucket++) {
        cumulative += tally.bucketCounts[bucket]!;
        values.push({
          metricName: `${name}_bucket`,
          labels: { le: buckets[bucket] ?? '+Inf', ...labels },
          value: cumulative,
        });
      }
      values.push({ metricName: `${name}_sum`, labels, value: tally.sum });
      values.push({ metricName: `${name}_count`, labels, value: tally.count });
    }
    return Promise.resolve(exported(name, help, 'histogram', values));
  }

  /** What the registry reads when formatting the text exposition (prom-client's Histogram defines it). */
  getForPromString(): ReturnType<Histogram<L>['get']> {
    return this.get();
  }
}

function exported<T>(name: string, help: string, type: 'summary' | 'histogram', values: ExportedValue[]): T {
  return { name, help, type, aggregator: 'sum', values } as T;
}
