import { createHash } from 'node:crypto';
import type { Connection } from 'snowflake-sdk';
import { closeConnection, openConnection, type ConnectionSettings } from './sdk.js';

interface Entry {
  readonly connection: Promise<Connection>;
  readonly created: number;
  lastUsed: number;
}

/** How often idle and expired connections are closed. */
const SWEEP_MS = 60_000;

/**
 * Logged-in connections by (endpoint, account, user, role, warehouse, database, schema, key hash): one login per
 * entry instead of one per call. Creation is shared by concurrent callers; a failed login is forgotten so that the
 * next call tries again; an entry older than `maxAgeMs`, unused for `idleMs`, or whose session is down, is closed
 * and replaced. The driver keeps each session alive with heartbeats (clientSessionKeepAlive).
 */
export class ConnectionPool {
  private readonly entries = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly idleMs: number,
    private readonly open: (settings: ConnectionSettings) => Promise<Connection> = openConnection,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The pooled connection for these settings, logging in when there is none (or it expired). */
  async get(settings: ConnectionSettings, maxAgeMs: number): Promise<Connection> {
    const key = poolKey(settings);
    const now = Date.now();
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      const fresh = now - existing.created < maxAgeMs && now - existing.lastUsed < this.idleMs;
      const connection = fresh ? await existing.connection.catch(() => undefined) : undefined;
      if (connection !== undefined && connection.isUp()) {
        existing.lastUsed = now;
        return connection;
      }
      this.drop(key, existing);
    }
    const entry: Entry = { connection: this.open(settings), created: now, lastUsed: now };
    this.entries.set(key, entry);
    entry.connection.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    this.sweeper ??= setInterval(() => this.sweep(maxAgeMs), SWEEP_MS).unref();
    return entry.connection;
  }

  /** Closes every connection. */
  clear(): void {
    for (const [key, entry] of this.entries) this.drop(key, entry);
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private sweep(maxAgeMs: number): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (now - entry.created >= maxAgeMs || now - entry.lastUsed >= this.idleMs) this.drop(key, entry);
    }
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    entry.connection.then(closeConnection, () => undefined);
  }
}

/** The pool key: connection identity, with the key (and passphrase) only as a hash. */
export function poolKey(settings: ConnectionSettings): string {
  const keyHash = createHash('sha256')
    .update(settings.privateKey)
    .update('\0')
    .update(settings.passphrase ?? '')
    .digest('hex');
  return JSON.stringify([
    settings.accessUrl ?? '',
    settings.account.toUpperCase(),
    settings.user.toUpperCase(),
    settings.role ?? '',
    settings.warehouse,
    settings.database,
    settings.schema,
    keyHash,
    settings.timeoutMs,
    settings.maxRetries,
  ]);
}
