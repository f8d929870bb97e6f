// The wire messages of the benchmark, encoded from the official IDL the peers use: each peer's virtual environment
// writes a protoset of its connector service (python/protoset.py), and protobuf-es builds and reads messages from
// it. ghz loads the same protosets, so the load generator and the checks agree on every byte.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createFileRegistry,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMessage,
  type JsonValue,
  type Registry,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import type { PythonEnv } from './install.ts';
import { pythonDir } from './paths.ts';

/** Flyte 1 (flytekit, `flyteidl.service.AsyncAgentService`) or Flyte 2 (flyte-sdk, `flyteidl2.connector.*`). */
export type Family = 'v1' | 'v2';

export interface FamilyIdl {
  readonly family: Family;
  readonly protoset: string;
  readonly service: string;
  readonly registry: Registry;
}

const layout = {
  v1: {
    module: 'flyteidl.service.agent_pb2',
    service: 'flyteidl.service.AsyncAgentService',
    messages: 'flyteidl.admin',
  },
  v2: {
    module: 'flyteidl2.connector.service_pb2',
    service: 'flyteidl2.connector.AsyncConnectorService',
    messages: 'flyteidl2.connector',
  },
} as const;

export function loadIdl(family: Family, env: PythonEnv, workDir: string): FamilyIdl {
  const protoset = join(workDir, `${family}.protoset`);
  execFileSync(env.bin('python'), [join(pythonDir, 'protoset.py'), protoset, layout[family].module], {
    stdio: 'inherit',
  });
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(protoset)));
  return { family, protoset, service: layout[family].service, registry };
}

export const methodPath = (idl: FamilyIdl, method: 'CreateTask' | 'GetTask') => `/${idl.service}/${method}`;
export const ghzCall = (idl: FamilyIdl, method: 'CreateTask' | 'GetTask') => `${idl.service}/${method}`;

function message(idl: FamilyIdl, name: string): DescMessage {
  const desc = idl.registry.getMessage(`${layout[idl.family].messages}.${name}`);
  if (desc === undefined) throw new Error(`${idl.family} IDL has no ${name}`);
  return desc;
}

/**
 * A CreateTask request for the bench connectors: one STRING input `payload` of `payloadBytes` bytes and one
 * INTEGER output `result`. Built from the Flyte 2 schema; the Flyte 1 messages are wire-compatible (map entries and
 * repeated key/value entries encode alike), so the very same bytes go to every target.
 */
export function createTaskRequest(v2: FamilyIdl, taskType: string, payloadBytes: number): Uint8Array {
  const desc = message(v2, 'CreateTaskRequest');
  const json: JsonValue = {
    template: {
      id: {
        resourceType: 'TASK',
        project: 'bench',
        domain: 'development',
        name: 'bench.task',
        version: 'v1',
      },
      type: taskType,
      interface: {
        inputs: { variables: [{ key: 'payload', value: { type: { simple: 'STRING' } } }] },
        outputs: { variables: [{ key: 'result', value: { type: { simple: 'INTEGER' } } }] },
      },
    },
    inputs: {
      literals: [
        { name: 'payload', value: { scalar: { primitive: { stringValue: 'x'.repeat(payloadBytes) } } } },
      ],
    },
    outputPrefix: 's3://bench-bucket/outputs/run-1/a0',
  };
  return toBinary(desc, fromJson(desc, json, { registry: v2.registry }));
}

/** A GetTask request carrying the resource_meta the target's own CreateTask returned (as Flyte replays it). */
export function getTaskRequest(v2: FamilyIdl, taskType: string, resourceMeta: Uint8Array): Uint8Array {
  const desc = message(v2, 'GetTaskRequest');
  const json: JsonValue = {
    resourceMeta: Buffer.from(resourceMeta).toString('base64'),
    taskCategory: { name: taskType, version: 0 },
    outputPrefix: 's3://bench-bucket/outputs/run-1/a0',
  };
  return toBinary(desc, fromJson(desc, json, { registry: v2.registry }));
}

export function resourceMetaOf(idl: FamilyIdl, createResponse: Uint8Array): Uint8Array {
  const json = decode(idl, 'CreateTaskResponse', createResponse) as { resourceMeta?: string };
  if (json.resourceMeta === undefined) throw new Error('CreateTask answered without resource_meta');
  return Buffer.from(json.resourceMeta, 'base64');
}

export interface GetTaskAnswer {
  readonly phase: string;
  /** The integer output `result`, when present. */
  readonly result: string | undefined;
}

/** Reads phase and the `result` output from a GetTask response of either family. */
export function readGetTaskResponse(idl: FamilyIdl, bytes: Uint8Array): GetTaskAnswer {
  const json = decode(idl, 'GetTaskResponse', bytes) as {
    resource?: { phase?: string; outputs?: { literals?: unknown } };
  };
  const literals = json.resource?.outputs?.literals;
  type IntegerLiteral = { scalar?: { primitive?: { integer?: string } } };
  // Flyte 1 outputs are a map by name; Flyte 2 outputs a list of {name, value}.
  const result = Array.isArray(literals)
    ? (literals as { name: string; value: IntegerLiteral }[]).find((entry) => entry.name === 'result')?.value
    : (literals as Record<string, IntegerLiteral> | undefined)?.['result'];
  return { phase: json.resource?.phase ?? 'UNDEFINED', result: result?.scalar?.primitive?.integer };
}

function decode(idl: FamilyIdl, name: string, bytes: Uint8Array): JsonValue {
  const desc = message(idl, name);
  return toJson(desc, fromBinary(desc, bytes), { registry: idl.registry });
}
