// The chart of latency against offered load for every target (GetTask at fixed rates), rendered to SVG by Vega-Lite
// without a browser.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface LatencyPoint {
  readonly target: string;
  readonly offered: number;
  readonly achieved: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

export async function latencyChartSvg(points: readonly LatencyPoint[], subtitle: string): Promise<string> {
  const rates = [...new Set(points.map((point) => point.offered))].sort((a, b) => a - b);
  // p99.9 is in the tables; on the chart it would mostly hide p99.
  const values = points.flatMap((point) =>
    (['p50', 'p99'] as const).map((quantile) => ({
      target: point.target,
      offered: point.offered,
      quantile,
      latency: Math.max(point[quantile], 0.01),
      // A target that fell more than 5 % short of the offered rate could not sustain it.
      sustained: point.achieved >= point.offered * 0.95 ? 'sustained' : 'not sustained',
    })),
  );
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'GetTask latency against offered load', subtitle },
    width: 560,
    height: 340,
    background: 'white',
    data: { values },
    encoding: {
      x: {
        field: 'offered',
        type: 'quantitative',
        title: 'offered load (GetTask/s, log scale)',
        scale: { type: 'log', domain: [(rates[0] ?? 1) * 0.8, (rates.at(-1) ?? 1) * 1.25], nice: false },
        axis: { values: rates },
      },
      y: { field: 'latency', type: 'quantitative', title: 'latency (ms, log scale)', scale: { type: 'log' } },
      color: { field: 'target', type: 'nominal', title: 'target', legend: { labelLimit: 400 } },
      strokeDash: { field: 'quantile', type: 'nominal', title: 'percentile', sort: ['p50', 'p99'] },
    },
    layer: [
      { mark: { type: 'line' } },
      {
        mark: { type: 'point', size: 50 },
        encoding: {
          shape: {
            field: 'sustained',
            type: 'nominal',
            title: 'offered rate',
            scale: { domain: ['sustained', 'not sustained'], range: ['circle', 'cross'] },
          },
        },
      },
    ],
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
