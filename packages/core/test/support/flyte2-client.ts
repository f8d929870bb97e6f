// A Flyte 2 client as flyte-sdk / the executor would use it: gRPC over HTTP/2 with the official flyteidl2
// descriptors from npm. Shares no code with the server (which uses its own generated copy in src/gen).
import { createClient, ConnectError, Code, type Client } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import {
  AsyncConnectorService,
  ConnectorMetadataService,
} from '@flyteorg/flyteidl2/flyteidl2/connector/service_pb.ts';

export { Code, ConnectError };

export interface Flyte2Client {
  readonly async: Client<typeof AsyncConnectorService>;
  readonly metadata: Client<typeof ConnectorMetadataService>;
  /** Closes the HTTP/2 connection. */
  close(): void;
}

export function flyte2Client(port: number): Flyte2Client {
  const baseUrl = `http://127.0.0.1:${port}`;
  const sessionManager = new Http2SessionManager(baseUrl);
  const transport = createGrpcTransport({ baseUrl, sessionManager });
  return {
    async: createClient(AsyncConnectorService, transport),
    metadata: createClient(ConnectorMetadataService, transport),
    close: () => sessionManager.abort(),
  };
}

/** Runs a call that must fail and returns its ConnectError (fails the test with a clear message otherwise). */
export async function connectError(call: Promise<unknown>): Promise<ConnectError> {
  try {
    const response = await call;
    throw new Error(
      `expected the call to fail, but it succeeded with ${JSON.stringify(response, jsonReplacer)}`,
    );
  } catch (error) {
    if (error instanceof ConnectError) return error;
    throw error;
  }
}

/** For readable assertion messages: bigints and bytes in JSON. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  return value;
}
