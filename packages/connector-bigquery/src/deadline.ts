/**
 * Bounds an SDK call (its retries included). The SDK's own `timeout` option has no effect on Node: it is handed to
 * node-fetch 3, which dropped that option. The abandoned call finishes or fails in the background; for an insert
 * that is harmless, because a repeated CreateTask re-attaches to the job by its id.
 */
export function withDeadline<T>(work: Promise<T>, milliseconds: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(() => undefined);
      // Shaped like the SDK's own timeout error, so that it is classified as a network failure.
      reject(
        Object.assign(new Error(`${what}: no answer from BigQuery within ${milliseconds} ms`), {
          code: 'ETIMEDOUT',
          type: 'request-timeout',
        }),
      );
    }, milliseconds);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
