import type { DescMessage } from '@bufbuild/protobuf';
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
import type { RequestBudget } from './request-budget.js';
import type { EncodedRequest } from './service-definition.js';
import { toServiceError } from './status.js';

/** Shared plumbing of the v1 and v2 adapters: admission and decoding, call signals, error mapping. */
export interface HandlerEnvironment {
  readonly shutdown: AbortSignal;
  readonly logger: Logger;
  /** Bytes of requests admitted at once; a request beyond it is refused with RESOURCE_EXHAUSTED before decoding. */
  readonly budget: RequestBudget;
}

/** Admits and decodes a request; the caller must `release` its bytes once the call is over. */
function admit<Req>(env: HandlerEnvironment, encoded: EncodedRequest, decodeAs?: DescMessage): Req {
  env.budget.acquire(encoded.bytes.byteLength);
  try {
    return encoded.decode(decodeAs) as Req;
  } catch (error) {
    env.budget.release(encoded.bytes.byteLength);
    throw error;
  }
}

export function unaryHandler<Req, Res>(
  env: HandlerEnvironment,
  /** `wire` is the request as received, for fields cheaper to read from the wire than from the decoded message. */
  handle: (request: Req, signal: AbortSignal, wire: Uint8Array) => Promise<Res>,
  /** Reads the request as this wire-compatible message type instead of the method's own. */
  decodeAs?: DescMessage,
): handleUnaryCall<EncodedRequest, Res> {
  return (call, callback) => {
    let request: Req;
    try {
      request = admit(env, call.request, decodeAs);
    } catch (error) {
      callback(toServiceError(error));
      return;
    }
    const size = call.request.bytes.byteLength;
    const signal = callSignal(call, env.shutdown);
    startHandler(handle, request, signal.signal, call.request.bytes).then(
      (response) => {
        signal.dispose();
        env.budget.release(size);
        callback(null, response);
      },
      (error: unknown) => {
        signal.dispose();
        env.budget.release(size);
        callback(toServiceError(error));
      },
    );
  };
}

/**
 * Runs a handler so that one that throws synchronously still ends in a status (grpc-js would say UNKNOWN). A
 * function of its own so that only the handler holds the decoded request: a closure over it beside the call's
 * completion callbacks would share their scope and keep the whole message alive until the call ends.
 */
function startHandler<Req, Arg, Res>(
  handle: (request: Req, signal: AbortSignal, arg: Arg) => Promise<Res>,
  request: Req,
  signal: AbortSignal,
  arg: Arg,
): Promise<Res> {
  try {
    return handle(request, signal, arg);
  } catch (error) {
    // Passed on untouched: toServiceError() classifies whatever was thrown.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}

export function serverStreamingHandler<Req, Res>(
  env: HandlerEnvironment,
  handle: (request: Req, signal: AbortSignal, write: (response: Res) => Promise<void>) => Promise<void>,
): handleServerStreamingCall<EncodedRequest, Res> {
  return (call: ServerWritableStream<EncodedRequest, Res>) => {
    let request: Req;
    try {
      request = admit(env, call.request);
    } catch (error) {
      call.emit('error', toServiceError(error));
      return;
    }
    const size = call.request.bytes.byteLength;
    const callAbort = callSignal(call, env.shutdown);
    const signal = callAbort.signal;
    const dispose = () => {
      callAbort.dispose();
      env.budget.release(size);
    };
    // Honour back-pressure: a client that does not read must not make the service buffer without bound.
    const write = (response: Res) =>
      new Promise<void>((resolve) => {
        if (call.write(response)) resolve();
        else call.once('drain', () => resolve());
      });
    startHandler(handle, request, signal, write).then(
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
  handle: (requests: Req[], signal: AbortSignal, wires: Uint8Array[]) => Promise<Res>,
): handleBidiStreamingCall<EncodedRequest, Res> {
  return (call: ServerDuplexStream<EncodedRequest, Res>) => {
    const callAbort = callSignal(call, env.shutdown);
    const signal = callAbort.signal;
    const requests: Req[] = [];
    const wires: Uint8Array[] = [];
    let admittedBytes = 0;
    let disposed = false;
    const dispose = () => {
      if (disposed) return;
      disposed = true;
      callAbort.dispose();
      env.budget.release(admittedBytes);
    };
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      dispose();
      call.emit('error', toServiceError(error));
    };
    call.on('data', (encoded: EncodedRequest) => {
      if (failed) return;
      if (requests.length >= maxMessages) {
        fail(
          new InvalidArgumentError(
            `The stream carries more than ${maxMessages} messages; expected a header and inputs.`,
          ),
        );
        return;
      }
      try {
        requests.push(admit(env, encoded));
        wires.push(encoded.bytes);
        admittedBytes += encoded.bytes.byteLength;
      } catch (error) {
        fail(error);
      }
    });
    let answering = false;
    call.on('error', () => dispose());
    // A client that gives up before closing its side never sends 'end': its admitted bytes go back now.
    call.on('cancelled', () => {
      if (!answering) dispose();
    });
    call.on('end', () => {
      if (failed) return;
      answering = true;
      // A handler that throws synchronously must still answer with a status (grpc-js would say UNKNOWN).
      Promise.resolve()
        .then(() => handle(requests, signal, wires))
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
