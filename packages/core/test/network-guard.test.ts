// The loopback-only network guard connector packages use in their tests (`@org/connector-core/testing`).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const script = `
const net = require('node:net');
const server = net.createServer((socket) => socket.end()).listen(0, '127.0.0.1', () => {
  const local = net.connect(server.address().port, '127.0.0.1');
  local.on('connect', () => { console.log('loopback ok'); local.destroy(); server.close();
    net.connect(443, '203.0.113.7').on('error', (error) => console.log('remote ' + error.code));
  });
});`;

describe('network guard', () => {
  it('installed with --import, refuses a non-loopback connection and reports it, and lets loopback through', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', '@org/connector-core/testing/network-guard', '-e', script],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(child.stdout).toContain('loopback ok');
    expect(child.stdout).toContain('remote ECONNREFUSED');
    expect(child.stderr).toContain('NETWORK GUARD VIOLATION: connection to 203.0.113.7:443');
    expect(child.stderr).not.toContain('127.0.0.1');
  });
});
