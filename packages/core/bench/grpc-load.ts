// The load generator the core benches share: unary calls with pre-encoded requests (identity serializers, so the
// client does no protobuf work), saturation with a fixed number of calls in flight, and a fixed offered rate.
import { Metadata, type Client, type ServiceError } from '@grpc/grpc-js';

const identity = (bytes: Buffer) => bytes;

/** One unary call with pre-encoded request bytes; resolves with the response bytes. */
export function call(client: Client, path: string, request: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      request,
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (error: ServiceError | null, value?: Buffer) => (error ? reject(error) : resolve(value!)),
    );
  });
}

/** `concurrency` calls in flight for `seconds`: calls answered per second, and the errors. */
export async function saturate(
  client: Client,
  path: string,
  request: Buffer,
  seconds: number,
  concurrency = 64,
) {
  let count = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          await call(client, path, request);
          count += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { perSecond: count / seconds, calls: count, errors };
}

/** Calls sent at `rate` per second for `seconds`, each timed from its send: the rate achieved, p50/p99, errors. */
export async function fixedRate(
  client: Client,
  path: string,
  request: Buffer,
  rate: number,
  seconds: number,
) {
  const latencies: number[] = [];
  let errors = 0;
  const total = rate * seconds;
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    pending.push(
      call(client, path, request).then(
        () => void latencies.push(performance.now() - sent),
        () => void (errors += 1),
      ),
    );
  }
  await Promise.all(pending);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return {
    achieved: latencies.length / ((performance.now() - started) / 1000),
    p50: q(0.5),
    p99: q(0.99),
    errors,
  };
}
