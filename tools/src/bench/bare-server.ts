// The transport ceiling: a bare grpc-js server that answers each benchmarked method with a fixed, pre-encoded
// response — a copy of the connector service's answer, so the same bytes travel and the load generator can decode
// them — doing no work per call (optionally after a timer, for the slow-create scenario). It also answers the
// standard health check, so it is started and probed like the others.
//
//   node bare-server.ts <port> '<json: {"<method path>": {"base64": "<response>", "delayMs": ms}}>'
import { Server, ServerCredentials, type ServiceDefinition, type UntypedHandleCall } from '@grpc/grpc-js';

interface Answer {
  readonly base64: string;
  readonly delayMs?: number;
}

const port = Number(process.argv[2]);
const answers = JSON.parse(process.argv[3] ?? '{}') as Record<string, Answer>;
// HealthCheckResponse{status: SERVING}
answers['/grpc.health.v1.Health/Check'] = { base64: Buffer.from([0x08, 0x01]).toString('base64') };

const identity = (bytes: Buffer) => bytes;
const definition: Record<string, ServiceDefinition[string]> = {};
const handlers: Record<string, UntypedHandleCall> = {};
for (const [path, answer] of Object.entries(answers)) {
  const response = Buffer.from(answer.base64, 'base64');
  definition[path] = {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
  handlers[path] = (_call: unknown, callback: (error: null, value: Buffer) => void) => {
    if (answer.delayMs === undefined) callback(null, response);
    else setTimeout(() => callback(null, response), answer.delayMs);
  };
}

// Channelz off as in the connector service: the ceiling has the same per-call transport bookkeeping.
const server = new Server({
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.enable_channelz': 0,
});
server.addService(definition as ServiceDefinition, handlers);
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error) => {
  if (error) throw error;
});
process.on('SIGTERM', () => server.forceShutdown());
