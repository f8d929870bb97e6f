// gRPC calls with hand-made request bytes: grpc-js with identity serializers, so that any byte string (mutated,
// truncated, random) reaches the server exactly as built. Shares no code with the server's message handling.
import { Client, credentials, Metadata, status, type ChannelOptions, type StatusObject } from '@grpc/grpc-js';

export type CallKind = 'unary' | 'server-stream' | 'bidi';

/** What came back: the final status, and the response messages (raw bytes) before it. */
export interface RawOutcome {
  readonly code: status;
  readonly details: string;
  readonly responses: readonly Buffer[];
  /** Trailing metadata as text (what a client could log or show). */
  readonly trailers: string;
  readonly ms: number;
}

export interface RawCallOptions {
  readonly deadlineMs?: number;
  readonly metadata?: Metadata;
}

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * A raw channel to one or more addresses. Several addresses are balanced round-robin, as a Flyte client balances
 * over the pod IPs behind a Kubernetes Service.
 */
export class RawChannel {
  readonly client: Client;

  constructor(addresses: string | readonly string[], options: ChannelOptions = {}) {
    const list = typeof addresses === 'string' ? [addresses] : addresses;
    const target = list.length === 1 ? list[0]! : `ipv4:${list.join(',')}`;
    this.client = new Client(target, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      // The fuzzer sends oversize requests on purpose; the server's limit is what is being tested.
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
      ...(list.length > 1
        ? { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) }
        : {}),
      ...options,
    });
  }

  close(): void {
    this.client.close();
  }

  /** Runs one call of any kind. Never rejects: every end, success included, is an outcome. */
  call(
    kind: CallKind,
    path: string,
    messages: readonly Uint8Array[],
    options: RawCallOptions = {},
  ): Promise<RawOutcome> {
    const started = performance.now();
    const deadline = Date.now() + (options.deadlineMs ?? 10_000);
    const metadata = options.metadata ?? new Metadata();
    const responses: Buffer[] = [];
    const finish = (code: status, details: string, trailers?: Metadata): RawOutcome => ({
      code,
      details,
      responses,
      trailers: trailers === undefined ? '' : JSON.stringify(trailers.toJSON()),
      ms: performance.now() - started,
    });
    const body = (message: Uint8Array) => Buffer.from(message.buffer, message.byteOffset, message.byteLength);
    return new Promise<RawOutcome>((resolve) => {
      if (kind === 'unary') {
        this.client.makeUnaryRequest(
          path,
          identity,
          identity,
          body(messages[0] ?? new Uint8Array()),
          metadata,
          { deadline },
          (error, response) => {
            if (response !== undefined) responses.push(response);
            resolve(
              error === null ? finish(status.OK, '') : finish(error.code, error.details, error.metadata),
            );
          },
        );
        return;
      }
      const stream =
        kind === 'server-stream'
          ? this.client.makeServerStreamRequest(
              path,
              identity,
              identity,
              body(messages[0] ?? new Uint8Array()),
              metadata,
              { deadline },
            )
          : this.client.makeBidiStreamRequest(path, identity, identity, metadata, { deadline });
      stream.on('data', (response: Buffer) => responses.push(response));
      // 'status' always comes last and always comes; errors are reported through it too.
      stream.on('error', () => undefined);
      stream.on('status', (s: StatusObject) => resolve(finish(s.code, s.details, s.metadata)));
      if (kind === 'bidi') {
        const writable = stream as unknown as { write(b: Buffer): boolean; end(): void };
        for (const message of messages) writable.write(body(message));
        writable.end();
      }
    });
  }
}

export const StatusName: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(status)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
);
