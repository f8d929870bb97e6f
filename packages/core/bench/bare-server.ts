// The transport ceiling for the GetTask benchmark: a bare grpc-js server that answers GetTask with a fixed,
// pre-encoded response of the same size as the connector service's, doing no work per call.
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';

const responseSize = Number(process.argv[2] ?? '64');
const response = Buffer.alloc(responseSize, 1);
const identity = (b: Buffer) => b;
const definition: ServiceDefinition = {
  GetTask: {
    path: '/flyteidl2.connector.AsyncConnectorService/GetTask',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
// The connector service's transport settings that change a call's cost: stream limit, channelz off.
const server = new Server({ 'grpc.max_concurrent_streams': 1000, 'grpc.enable_channelz': 0 });
server.addService(definition, {
  GetTask: (_call: unknown, callback: (e: null, r: Buffer) => void) => callback(null, response),
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${JSON.stringify({ event: 'serving', grpcPort: port })}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
