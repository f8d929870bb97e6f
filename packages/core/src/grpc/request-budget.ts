import { ResourceExhaustedError } from '../errors.js';

/**
 * Bounds the bytes of requests being decoded and handled at once. grpc-js buffers each message up to the largest
 * size allowed, but a decoded request and the literals built from it cost several times its wire size; without a
 * bound, a burst of large CreateTask calls exhausts the heap instead of being refused.
 */
export class RequestBudget {
  private inFlight = 0;

  /** `limitBytes` of 0 disables the bound. */
  constructor(readonly limitBytes: number) {}

  /**
   * Takes `bytes` from the budget, or throws RESOURCE_EXHAUSTED. A request arriving when nothing is in flight is
   * always admitted, so one message of the largest allowed size can pass even when it exceeds the budget.
   */
  acquire(bytes: number): void {
    if (this.limitBytes > 0 && this.inFlight > 0 && this.inFlight + bytes > this.limitBytes) {
      throw new ResourceExhaustedError(
        `The service is already handling ${mib(this.inFlight)} MiB of requests; this ${mib(bytes)} MiB request ` +
          `would pass the in-flight limit of ${mib(this.limitBytes)} MiB (--max-inflight-request-size). Retry with backoff.`,
      );
    }
    this.inFlight += bytes;
  }

  release(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }

  get inFlightBytes(): number {
    return this.inFlight;
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 2 : 1);
}
