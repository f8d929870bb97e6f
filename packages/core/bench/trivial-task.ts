// The task the core benches drive through `bench/trivial-connector.js`, and how they start the service for it.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  CreateTaskRequestSchema,
  CreateTaskResponseSchema,
  GetTaskRequestSchema,
} from '../dist/lib/gen/v2/flyteidl2/connector/connector_pb.js';

/** A Flyte 2 CreateTask for the trivial connector: one INTEGER input `x`, one INTEGER output `result`. */
export function trivialCreateRequest(): Buffer {
  const request = create(CreateTaskRequestSchema, {
    template: {
      type: 'test_job',
      interface: {
        outputs: {
          variables: [{ key: 'result', value: { type: { type: { case: 'simple', value: 1 } } } }],
        },
      },
    },
    inputs: {
      literals: [
        {
          name: 'x',
          value: {
            value: {
              case: 'scalar',
              value: { value: { case: 'primitive', value: { value: { case: 'integer', value: 21n } } } },
            },
          },
        },
      ],
    },
    outputPrefix: 's3://bucket/prefix',
  });
  return Buffer.from(toBinary(CreateTaskRequestSchema, request));
}

/** The GetTask (Flyte 1 and Flyte 2 encode it alike) for the task a CreateTask answer describes. */
export function trivialGetRequest(createResponse: Uint8Array): Buffer {
  const request = create(GetTaskRequestSchema, {
    resourceMeta: fromBinary(CreateTaskResponseSchema, createResponse).resourceMeta,
    taskCategory: { name: 'test_job', version: 0 },
    outputPrefix: 's3://bucket/prefix',
  });
  return Buffer.from(toBinary(GetTaskRequestSchema, request));
}

/** `flyte-connect serve` on ephemeral ports and loopback; the benches add what they serve. */
export function loopbackServeArgs(cli: string): string[] {
  return [
    cli,
    'serve',
    '--port',
    '0',
    '--prometheus-port',
    '0',
    '--host',
    '127.0.0.1',
    '--log-level',
    'info',
  ];
}

/** `flyte-connect serve` arguments: ephemeral ports, loopback, only the given connector module, 64 workers. */
export function trivialServiceArgs(cli: string, fixture: string): string[] {
  return [...loopbackServeArgs(cli), '--no-discover', '--modules', fixture, '--worker', '64'];
}
