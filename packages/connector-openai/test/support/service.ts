// Starts what a deployment runs: the connector service (core's ConnectorService on a free loopback port, both
// protocol families) serving both OpenAI connectors, pointed through a recording proxy at aimock, with the API key
// as a Flyte 1 server secret. Tests talk to it with core's protocol clients.
import { LLMock } from '@copilotkit/aimock';
import {
  inputsToLiterals,
  localExecutionMetadata,
  type ConnectorClient,
  type CreateTaskInput,
  type ServiceHandle,
  type TaskReference,
  type TaskTemplate,
} from '@org/connector-core';
import { phaseName, startTestService, submitTask } from '@org/connector-core/testing';
import { ChatGPTConnector, OpenAIBatchConnector } from '../../src/index.js';
import { TestProxy } from './proxy.js';

export const SERVER_KEY = 'sk-server-CANARY-6d1f0a9e';
export const TENANT_KEY = 'sk-tenant-CANARY-93b7c2d4';

export type Protocol = 'v1' | 'v2';
export type ResourceMessage = Awaited<ReturnType<ConnectorClient['get']>>;

export interface Environment {
  readonly mock: LLMock;
  readonly proxy: TestProxy;
  readonly service: ServiceHandle;
  readonly logs: string[];
  client(protocol: Protocol): ConnectorClient;
  stop(): Promise<void>;
}

export async function startEnvironment(env: Readonly<Record<string, string>> = {}): Promise<Environment> {
  const mock = new LLMock({ port: 0, host: '127.0.0.1' });
  await mock.start();
  const proxy = await TestProxy.start(mock.url);
  const test = await startTestService({
    connectors: [new ChatGPTConnector(), new OpenAIBatchConnector()],
    env: { FLYTE_OPENAI_BASE_URL: `${proxy.url}/v1`, _FSEC_FLYTE_OPENAI_API_KEY: SERVER_KEY, ...env },
    secretsDir: '/nonexistent/openai-connector-test-secrets',
  });
  return {
    mock,
    proxy,
    service: test.service,
    logs: test.logs,
    client: (protocol) => test.client(protocol),
    async stop() {
      await test.stop();
      await proxy.close();
      await mock.stop();
    },
  };
}

let executions = 0;

/** CreateTaskInput for a template and plain input values (converted by the declared types, as core does). */
export function createInput(
  template: TaskTemplate,
  values: Readonly<Record<string, unknown>>,
  secrets?: Readonly<Record<string, string>>,
): CreateTaskInput {
  executions += 1;
  const name = `oa${process.pid}x${executions}`;
  return {
    template,
    inputs: inputsToLiterals(values, template),
    outputPrefix: `file:///tmp/flyte/${name}/n0/0`,
    metadata: localExecutionMetadata(template, name),
    ...(secrets === undefined ? {} : { connection: { secrets: { ...secrets }, configs: {} } }),
  };
}

/** CreateTask, returning what GetTask/DeleteTask need. */
export function submit(
  client: ConnectorClient,
  input: CreateTaskInput,
  timeoutMs?: number,
): Promise<TaskReference> {
  return submitTask(client, input, timeoutMs === undefined ? undefined : { timeoutMs });
}

export const phaseOf = phaseName;

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'ABORTED', 'RETRYABLE_FAILED']);

/** Polls GetTask like propeller until a terminal phase, collecting every resource seen. */
export async function pollToEnd(
  client: ConnectorClient,
  task: TaskReference,
  seen: ResourceMessage[] = [],
): Promise<ResourceMessage> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const resource = await client.get(task);
    seen.push(resource);
    if (TERMINAL.has(phaseOf(resource))) return resource;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the task did not end');
}

/** The connector's metadata inside resource_meta (core's envelope is UTF-8 JSON `{"v":1,"meta":...}`). */
export function metaOf(resourceMeta: Uint8Array): Record<string, unknown> {
  return (JSON.parse(new TextDecoder().decode(resourceMeta)) as { meta: Record<string, unknown> }).meta;
}
