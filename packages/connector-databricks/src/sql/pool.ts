import { createHash } from 'node:crypto';
import { assertStatus } from './failures.js';
import { uuidOf } from './meta.js';
import { closeTransport, connectClient, type ClientSettings, type DriverLog, type SqlClient } from './sdk.js';
import { PROTOCOL_V8, type TSessionHandle } from './thrift-types.js';

/** A warehouse session opened by this process. */
export interface PooledSession {
  readonly handle: TSessionHandle;
  readonly id: string;
  /** The protocol version the warehouse answered (named parameters need V8). */
  readonly protocolVersion: number;
}

interface SessionEntry {
  readonly session: Promise<PooledSession>;
  readonly created: number;
}

interface ClientEntry {
  readonly client: Promise<SqlClient>;
  readonly sessions: Map<string, SessionEntry>;
  lastUsed: number;
}

export interface PoolLimits {
  /** Most clients (endpoint × credential) kept; the least recently used goes first. */
  readonly maxClients: number;
  /** A client unused this long is closed. */
  readonly idleMs: number;
  /** A session is used for new statements this long, then replaced. */
  readonly sessionMaxAgeMs: number;
}

const SWEEP_MS = 60_000;

/**
 * Connected clients by (endpoint, HTTP path, token hash, CA, timeouts), each with its sessions by (catalog, schema):
 * statements reuse a session instead of opening one each, and every call to the same warehouse with the same
 * credential reuses one keep-alive connection. Creation is shared by concurrent callers; a failed connect or
 * OpenSession is forgotten so that the next call tries again.
 *
 * Sessions are never closed by the pool: closing a session on the warehouse closes the statements it ran, and
 * those belong to Flyte tasks that any replica may still be tracking (a rolling restart must not cancel them).
 * A replaced or abandoned session is left to the warehouse's idle-session expiry. Closing a client (idle,
 * evicted, shutdown) releases its sockets only.
 */
export class SqlPool {
  private readonly entries = new Map<string, ClientEntry>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: PoolLimits,
    private readonly log: DriverLog,
    private readonly connect: (
      settings: ClientSettings,
      log: DriverLog,
    ) => Promise<SqlClient> = connectClient,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The connected client for these settings. */
  async client(settings: ClientSettings): Promise<SqlClient> {
    return this.entry(settings).client;
  }

  /** A session for new statements in this catalog and schema (opened when there is none, or it aged out). */
  async session(
    settings: ClientSettings,
    catalog: string | undefined,
    schema: string | undefined,
  ): Promise<{ client: SqlClient; session: PooledSession }> {
    const entry = this.entry(settings);
    const client = await entry.client;
    const key = JSON.stringify([catalog ?? '', schema ?? '']);
    const now = Date.now();
    let existing = entry.sessions.get(key);
    if (existing !== undefined && now - existing.created >= this.limits.sessionMaxAgeMs) {
      entry.sessions.delete(key);
      existing = undefined;
    }
    if (existing === undefined) {
      const created: SessionEntry = { session: openSession(client, catalog, schema), created: now };
      entry.sessions.set(key, created);
      created.session.catch(() => {
        if (entry.sessions.get(key) === created) entry.sessions.delete(key);
      });
      existing = created;
    }
    return { client, session: await existing.session };
  }

  /** Forgets a session the warehouse no longer knows, so that the next statement opens a new one. */
  forgetSession(settings: ClientSettings, session: PooledSession): void {
    const entry = this.entries.get(poolKey(settings));
    if (entry === undefined) return;
    for (const [key, candidate] of entry.sessions) {
      void candidate.session.then(
        (opened) => {
          if (opened === session && entry.sessions.get(key) === candidate) entry.sessions.delete(key);
        },
        () => undefined,
      );
    }
  }

  /** Closes every client's connection (sessions stay on the warehouse, see the class comment). */
  async clear(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await Promise.all(entries.map((entry) => release(entry)));
  }

  private entry(settings: ClientSettings): ClientEntry {
    const key = poolKey(settings);
    const now = Date.now();
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      existing.lastUsed = now;
      // Map order is the LRU order: re-inserting marks the entry as the most recently used.
      this.entries.delete(key);
      this.entries.set(key, existing);
      return existing;
    }
    const entry: ClientEntry = {
      client: this.connect(settings, this.log),
      sessions: new Map(),
      lastUsed: now,
    };
    this.entries.set(key, entry);
    entry.client.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.limits.maxClients) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, ClientEntry];
      this.entries.delete(oldestKey);
      void release(oldest);
    }
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    return entry;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (now - entry.lastUsed >= this.limits.idleMs) {
        this.entries.delete(key);
        void release(entry);
      }
    }
  }
}

async function release(entry: ClientEntry): Promise<void> {
  const client = await entry.client.catch(() => undefined);
  if (client !== undefined) await closeTransport(client.client);
}

async function openSession(
  client: SqlClient,
  catalog: string | undefined,
  schema: string | undefined,
): Promise<PooledSession> {
  const namespace =
    catalog === undefined && schema === undefined
      ? {}
      : { initialNamespace: { catalogName: catalog, schemaName: schema } };
  const response = await client.driver.openSession({
    client_protocol_i64: PROTOCOL_V8,
    ...namespace,
    configuration: {},
    canUseMultipleCatalogs: true,
  });
  assertStatus(response.status, 'Opening a warehouse session');
  const handle = response.sessionHandle;
  if (handle === undefined || handle === null) throw new Error('OpenSession answered no session handle');
  return { handle, id: uuidOf(handle.sessionId.guid), protocolVersion: response.serverProtocolVersion };
}

/** The pool key: connection identity, with the token and CA only as hashes. */
export function poolKey(settings: ClientSettings): string {
  const hash = (text: string | undefined) =>
    createHash('sha256')
      .update(text ?? '')
      .digest('hex');
  return JSON.stringify([
    settings.host,
    settings.port,
    settings.path,
    hash(settings.token),
    hash(settings.caCert),
    settings.timeoutMs,
    settings.maxRetries,
  ]);
}
