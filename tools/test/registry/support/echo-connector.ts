// The files of a connector written by an author outside the monorepo: plain JavaScript against the published
// @org/connector-core, declared under "flyte.connectors" in its own package.json.

export const ECHO_PACKAGE_NAME = '@acme/connector-echo';
export const ECHO_TASK_TYPE = 'acme_echo';
export const ECHO_CONNECTOR_NAME = 'Acme Echo Connector';

export const echoPackageJson = {
  name: ECHO_PACKAGE_NAME,
  version: '1.0.0',
  description: 'Greets its message input (a connector written outside the flyte-connectors monorepo)',
  license: 'Apache-2.0',
  type: 'module',
  files: ['plugin.js'],
  'flyte.connectors': { echo: './plugin.js' },
};

export const echoPluginSource = `import {
  AsyncConnector,
  defineConnectorPlugin,
  defineSpec,
  jsonMetaCodec,
  param,
} from '@org/connector-core';

const spec = defineSpec({
  description: 'Greets the message input; the greeting comes from the task.',
  params: {
    greeting: param.string({
      description: 'Word to greet with',
      default: 'Hello',
      sources: [{ from: 'custom', path: 'greeting' }],
    }),
  },
});

class EchoConnector extends AsyncConnector {
  name = ${JSON.stringify(ECHO_CONNECTOR_NAME)};
  taskCategory = { name: ${JSON.stringify(ECHO_TASK_TYPE)}, version: 0 };
  spec = spec;
  metaCodec = jsonMetaCodec((value) => value);

  async create(ctx) {
    return { text: \`\${ctx.params.greeting}, \${ctx.inputs.message}!\` };
  }

  async get(meta) {
    return { phase: 'SUCCEEDED', outputs: { greeting: meta.text } };
  }

  async delete() {}
}

export default defineConnectorPlugin({ connectors: () => [new EchoConnector()] });
`;

/** A Flyte 1 CreateTaskRequest for the echo task (proto field names, as propeller sends it). */
export function echoCreateRequest(message: string, greeting: string): Record<string, unknown> {
  const string = { simple: 'STRING' };
  return {
    inputs: { literals: { message: { scalar: { primitive: { string_value: message } } } } },
    template: {
      id: { resource_type: 'TASK', project: 'acme', domain: 'development', name: 'greet', version: 'v1' },
      type: ECHO_TASK_TYPE,
      task_type_version: 0,
      // google.protobuf types come from protobufjs's bundled descriptors, with camelCase field names.
      custom: { fields: { greeting: { stringValue: greeting } } },
      interface: {
        inputs: { variables: { message: { type: string } } },
        outputs: { variables: { greeting: { type: string } } },
      },
    },
    output_prefix: 's3://acme-bucket/outputs',
  };
}
