// A Flyte 1 client as propeller would be: grpc-js with the official .proto files of @flyteorg/flyteidl, loaded at
// run time by proto-loader. It shares no code with the server under test.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** proto-loader messages are plain objects; tests read them loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Message = Record<string, any>;

interface UnaryClient {
  close(): void;
  [method: string]: unknown;
}

let definitions: Message | undefined;

function flyteidl(): Message {
  definitions ??= loadPackageDefinition(
    loadSync('flyteidl/service/agent.proto', {
      // Field names as in the .proto (snake_case, like propeller's Go structs); enums by name.
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      includeDirs: [
        join(dirname(require.resolve('@flyteorg/flyteidl/package.json')), 'protos'),
        // google/api/annotations.proto, which agent.proto imports
        dirname(require.resolve('google-proto-files/package.json')),
      ],
    }),
  );
  return definitions;
}

/** AsyncAgentService and AgentMetadataService of one server on 127.0.0.1. */
export class Flyte1Client {
  private readonly asyncService: UnaryClient;
  private readonly metadataService: UnaryClient;

  constructor(port: number) {
    const service = flyteidl()['flyteidl']['service'];
    const address = `127.0.0.1:${port}`;
    this.asyncService = new service.AsyncAgentService(address, credentials.createInsecure()) as UnaryClient;
    this.metadataService = new service.AgentMetadataService(
      address,
      credentials.createInsecure(),
    ) as UnaryClient;
  }

  listAgents(): Promise<Message> {
    return unary(this.metadataService, 'ListAgents', {});
  }

  createTask(request: Message): Promise<Message> {
    return unary(this.asyncService, 'CreateTask', request);
  }

  getTask(request: Message): Promise<Message> {
    return unary(this.asyncService, 'GetTask', request);
  }

  close(): void {
    this.asyncService.close();
    this.metadataService.close();
  }
}

function unary(client: UnaryClient, method: string, request: Message): Promise<Message> {
  const call = client[method] as (
    request: Message,
    options: { deadline: number },
    callback: (error: ServiceError | null, response: Message) => void,
  ) => void;
  return new Promise((resolve, reject) => {
    // propeller's default per-call timeout
    call.call(client, request, { deadline: Date.now() + 10_000 }, (error, response) => {
      if (error) reject(error);
      else resolve(response);
    });
  });
}
