export { METRIC_NAMES, OPERATIONS, OVERFLOW_TASK_TYPE, ServiceMetrics } from './service-metrics.js';
export type { CallMeter, GrpcCodeName, Operation, ServiceMetricsOptions } from './service-metrics.js';
export { startMetricsServer } from './http-server.js';
export type { HealthCheck, MetricsServer, MetricsServerOptions } from './http-server.js';
