import { create } from '@bufbuild/protobuf';
import type { Server } from '@grpc/grpc-js';
import { NotFoundError } from '../errors.js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
  Health,
  type HealthCheckRequest,
} from '../gen/health/grpc/health/v1/health_pb.js';
import { serverStreamingHandler, unaryHandler, type HandlerEnvironment } from './handlers.js';
import { grpcServiceDefinition } from './service-definition.js';

/** What a service's health can be set to. */
export type HealthStatus = 'SERVING' | 'NOT_SERVING';

/**
 * `grpc.health.v1.Health` (Check, Watch, List) on the service's own protobuf runtime: what Kubernetes gRPC probes,
 * grpc_health_probe and Flyte's clients call. `''` is the whole server's health.
 */
export class HealthService {
  private readonly statuses = new Map<string, HealthStatus>();
  private readonly watchers = new Set<() => void>();

  constructor(initial: Readonly<Record<string, HealthStatus>>) {
    for (const [name, status] of Object.entries(initial)) this.statuses.set(name, status);
  }

  setStatus(service: string, status: HealthStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const notify of [...this.watchers]) notify();
  }

  addToServer(server: Server, env: HandlerEnvironment): void {
    server.addService(grpcServiceDefinition(Health, 'server'), {
      Check: unaryHandler(env, (request: HealthCheckRequest) => {
        const status = this.statuses.get(request.service);
        if (status === undefined)
          return Promise.reject(new NotFoundError(`No health status for service '${request.service}'.`));
        return Promise.resolve(create(HealthCheckResponseSchema, { status: ServingStatus[status] }));
      }),
      List: unaryHandler(env, () =>
        Promise.resolve(
          create(HealthListResponseSchema, {
            statuses: Object.fromEntries(
              [...this.statuses].map(([name, status]) => [
                name,
                create(HealthCheckResponseSchema, { status: ServingStatus[status] }),
              ]),
            ),
          }),
        ),
      ),
      // The current status at once, then every change, until the caller goes away or the service stops.
      Watch: serverStreamingHandler(env, async (request: HealthCheckRequest, signal, write) => {
        let sent: ServingStatus | undefined;
        while (!signal.aborted) {
          const status = this.statuses.get(request.service);
          const current = status === undefined ? ServingStatus.SERVICE_UNKNOWN : ServingStatus[status];
          if (current !== sent) {
            await write(create(HealthCheckResponseSchema, { status: current }));
            sent = current;
          }
          await this.nextChange(signal);
        }
      }),
    });
  }

  private nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.watchers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.watchers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
