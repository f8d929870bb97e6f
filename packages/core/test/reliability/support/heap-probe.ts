// Reads the live JS heap of a running service after a forced full garbage collection, through the V8 inspector
// protocol (the service is started with `--inspect=127.0.0.1:0`). RSS alone cannot tell a leak from a heap that
// V8 has simply not collected yet; the heap in use right after a full GC can, within seconds.
import type { ServiceProcess } from '../../support/service-process.js';

/** The Node options that make a service reachable by `HeapProbe.attach`: an inspector on a free loopback port. */
export const HEAP_PROBE_NODE_OPTIONS = '--inspect=127.0.0.1:0';

interface CdpReply {
  readonly id: number;
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly message: string };
}

export class HeapProbe {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: CdpReply) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event: MessageEvent) => {
      const reply = JSON.parse(String(event.data)) as Partial<CdpReply>;
      if (typeof reply.id !== 'number') return; // an event, not a reply
      this.pending.get(reply.id)?.(reply as CdpReply);
      this.pending.delete(reply.id);
    });
  }

  /** Connects to the inspector whose address the service printed on stderr at start-up. */
  static async attach(service: ServiceProcess): Promise<HeapProbe> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(service.stderr)?.[1];
    if (url === undefined)
      throw new Error(
        `The service printed no inspector address; start it with NODE_OPTIONS=${HEAP_PROBE_NODE_OPTIONS}`,
      );
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => resolve(), { once: true });
      socket.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), {
        once: true,
      });
    });
    return new HeapProbe(socket);
  }

  /** MiB of JS heap in use after a full garbage collection. */
  async usedAfterGcMiB(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage');
    const usage = await this.send('Runtime.getHeapUsage');
    const used = usage['usedSize'];
    if (typeof used !== 'number')
      throw new Error(`Runtime.getHeapUsage returned no usedSize: ${JSON.stringify(usage)}`);
    return Math.round((used / 2 ** 20) * 10) / 10;
  }

  close(): void {
    this.socket.close();
  }

  private send(method: string): Promise<Record<string, unknown>> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the inspector did not answer ${method} within 30 s`));
      }, 30_000);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.error !== undefined) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result ?? {});
      });
      this.socket.send(JSON.stringify({ id, method }));
    });
  }
}
