import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServerDuplexStream,
  ServerWritableStream,
} from '@grpc/grpc-js';
import { InvalidArgumentError } from '../errors.js';
import type { Logger } from '../logger.js';
import { callSignal } from './call-signal.js';
import { UndecodableRequest } from './service-definition.js';
import { toServiceError } from './status.js';

/** Shared plumbing of the v1 and v2 adapters: decoding failures, call signals, error mapping. */
export interface HandlerEnvironment {
  readonly shutdown: AbortSignal;
  readonly logger: Logger;
}

export function unaryHandler<Req, Res>(
  env: HandlerEnvironment,
  handle: (request: Req, signal: AbortSignal) => Promise<Res>,
): handleUnaryCall<Req | UndecodableRequest, Res> {
  return (call, callback) => {
    if (call.request instanceof UndecodableRequest) {
      callback(toServiceError(new InvalidArgumentError(call.request.problem)));
      return;
    }
    const { signal, dispose } = callSignal(call, env.shutdown);
    Promise.resolve()
      .then(() => handle(call.request as Req, signal))
      .then(
        (response) => {
          dispose();
          callback(null, response);
        },
        (error: unknown) => {
          dispose();
          callback(toServiceError(error));
        },
      );
  };
}

export function serverStreamingHandler<Req, Res>(
  env: HandlerEnvironment,
  handle: (request: Req, signal: AbortSignal, write: (response: Res) => Promise<void>) => Promise<void>,
): handleServerStreamingCall<Req | UndecodableRequest, Res> {
  return (call: ServerWritableStream<Req | UndecodableRequest, Res>) => {
    if (call.request instanceof UndecodableRequest) {
      call.emit('error', toServiceError(new InvalidArgumentError(call.request.problem)));
      return;
    }
    const { signal, dispose } = callSignal(call, env.shutdown);
    // Honour back-pressure: a client that does not read must not make the service buffer without bound.
    const write = (response: Res) =>
      new Promise<void>((resolve) => {
        if (call.write(response)) resolve();
        else call.once('drain', () => resolve());
      });
    Promise.resolve()
      .then(() => handle(call.request as Req, signal, write))
      .then(
        () => {
          dispose();
          call.end();
        },
        (error: unknown) => {
          dispose();
          call.emit('error', toServiceError(error));
        },
      );
  };
}

/**
 * A bidi stream the way Flyte 1 propeller drives ExecuteTaskSync: the client sends all its messages and closes
 * its side; the service then answers with exactly one message.
 */
export function collectThenAnswerHandler<Req, Res>(
  env: HandlerEnvironment,
  maxMessages: number,
  handle: (requests: Req[], signal: AbortSignal) => Promise<Res>,
): handleBidiStreamingCall<Req | UndecodableRequest, Res> {
  return (call: ServerDuplexStream<Req | UndecodableRequest, Res>) => {
    const { signal, dispose } = callSignal(call, env.shutdown);
    const requests: Req[] = [];
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      dispose();
      call.emit('error', toServiceError(error));
    };
    call.on('data', (request: Req | UndecodableRequest) => {
      if (failed) return;
      if (request instanceof UndecodableRequest) fail(new InvalidArgumentError(request.problem));
      else if (requests.length >= maxMessages) {
        fail(
          new InvalidArgumentError(
            `The stream carries more than ${maxMessages} messages; expected a header and inputs.`,
          ),
        );
      } else requests.push(request);
    });
    call.on('error', () => dispose());
    call.on('end', () => {
      if (failed) return;
      // A handler that throws synchronously must still answer with a status (grpc-js would say UNKNOWN).
      Promise.resolve()
        .then(() => handle(requests, signal))
        .then(
          (response) => {
            dispose();
            call.write(response);
            call.end();
          },
          (error: unknown) => fail(error),
        );
    });
  };
}
