// Keeps connector tests on this machine: a connection to anything but loopback (a vendor API, a token endpoint, a
// cloud metadata server) is refused the way a refused connection fails, and reported. Connector packages install
// it in their Vitest workers with `guardVitestNetwork()` and in child processes with
// `node --import @org/connector-core/testing/network-guard` (which reports on stderr).
import * as net from 'node:net';

/** A refused connection attempt. */
export interface NetworkViolation {
  /** The host the process tried to reach. */
  readonly host: string;
  /** The port it tried to reach. */
  readonly port: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

let installed = false;

/** Patches `net.Socket.prototype.connect` (which `net.connect`, `tls.connect`, http agents and undici all use). */
export function installNetworkGuard(report: (violation: NetworkViolation) => void): void {
  if (installed) return;
  installed = true;
  // Called below with the socket as `this`, as Node calls it.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
  const guarded = function (this: net.Socket, ...args: unknown[]): net.Socket {
    const target = connectTarget(args);
    if (target !== undefined && !LOOPBACK.has(target.host)) {
      report(target);
      // Fail the connection the way a refused one fails, asynchronously, so callers see an ordinary error.
      const error = Object.assign(
        new Error(`network guard: connection to ${target.host}:${target.port} refused`),
        {
          code: 'ECONNREFUSED',
        },
      );
      process.nextTick(() => this.destroy(error));
      return this;
    }
    return original.apply(this, args);
  };
  net.Socket.prototype.connect = guarded;
}

/** The host and port of a `connect` call; undefined for IPC paths (local sockets are fine). */
function connectTarget(args: readonly unknown[]): NetworkViolation | undefined {
  let first = args[0];
  // net.Socket#connect is sometimes called with the normalized [options, callback] array.
  if (Array.isArray(first)) first = first[0];
  if (typeof first === 'object' && first !== null) {
    const options = first as { host?: unknown; port?: unknown; path?: unknown };
    if (typeof options.path === 'string') return undefined;
    return {
      host: typeof options.host === 'string' ? options.host : 'localhost',
      port: String(options.port),
    };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const host = typeof args[1] === 'string' ? args[1] : 'localhost';
    return { host, port: String(first) };
  }
  return undefined; // a path string: IPC
}
