// The trivial connector of the GetTask benchmark: create returns an id; get answers SUCCEEDED with one integer
// output. Plain JavaScript, as an installed (compiled) connector package would be.
import { AsyncConnector, defineConnectorPlugin, defineSpec, jsonMetaCodec } from '@org/connector-core';

class TrivialConnector extends AsyncConnector {
  name = 'Trivial Connector';
  taskCategory = 'test_job';
  spec = defineSpec({ description: 'Benchmark connector.', params: {} });
  metaCodec = jsonMetaCodec((value) => {
    if (typeof value !== 'object' || value === null || typeof value.id !== 'string')
      throw new Error('expected {id}');
    return value;
  });

  async create(ctx) {
    return { id: ctx.execution.attemptKey ?? 'job' };
  }

  async get(_meta, ctx) {
    return { phase: 'SUCCEEDED', outputs: ctx.outputTypes.has('result') ? { result: 42n } : {} };
  }

  async delete() {}
}

export default defineConnectorPlugin({ connectors: () => [new TrivialConnector()] });
