// Raw-bytes gRPC calls (grpc-js) for set-up and checks, and the readiness probe every target is timed with: the
// standard grpc.health.v1 Check answering SERVING, as Kubernetes probes the Python servers.
import { credentials, Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import { BinaryReader } from '@bufbuild/protobuf/wire';

const identity = (bytes: Buffer) => bytes;

export function connect(port: number): Client {
  return new Client(`127.0.0.1:${port}`, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    // A target that is still starting is retried quickly rather than after grpc-js's 1 s default backoff.
    'grpc.initial_reconnect_backoff_ms': 10,
    'grpc.max_reconnect_backoff_ms': 10,
  });
}

export function unary(
  client: Client,
  path: string,
  request: Uint8Array,
  timeoutMs = 10_000,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      Buffer.from(request),
      new Metadata(),
      { deadline: Date.now() + timeoutMs },
      (error: ServiceError | null, value?: Buffer) => (error ? reject(error) : resolve(value!)),
    );
  });
}

const SERVING = 1;

/** Whether the overall health (service "") is SERVING; any error counts as not yet. */
async function isServing(client: Client): Promise<boolean> {
  try {
    // HealthCheckRequest{service: ""} is the empty message; HealthCheckResponse{status = 1 (enum)}.
    const response = await unary(client, '/grpc.health.v1.Health/Check', new Uint8Array(), 1000);
    const reader = new BinaryReader(response);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field === 1) return reader.int32() === SERVING;
      reader.skip(wireType);
    }
    return false;
  } catch {
    return false;
  }
}

/**
 * Polls the health service until SERVING; rejects when `exited` settles first or after `timeoutMs`.
 * Returns the time at which SERVING was seen (performance.now()).
 */
export async function waitForServing(
  port: number,
  exited: Promise<unknown>,
  timeoutMs: number,
): Promise<number> {
  const client = connect(port);
  let stop = false;
  const gaveUp = exited.then(() => {
    stop = true;
    throw new Error('the server exited before it was SERVING');
  });
  const deadline = performance.now() + timeoutMs;
  const poll = (async () => {
    while (!stop) {
      if (await isServing(client)) return performance.now();
      if (performance.now() > deadline) throw new Error(`not SERVING after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return NaN;
  })();
  try {
    return await Promise.race([poll, gaveUp]);
  } finally {
    stop = true;
    client.close();
  }
}
