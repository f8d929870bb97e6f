// What the figures were measured on, printed above them: a ratio only holds on the machine it was taken on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg, release, totalmem } from 'node:os';
import { GHZ_VERSION, type PythonEnv } from './install.ts';
import { cores, pinning } from './proc.ts';

export function describeMachine(peers: readonly PythonEnv[], python: PythonEnv): string {
  const cpu =
    /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown CPU';
  const pythonVersion = execFileSync(python.bin('python'), ['--version'], { encoding: 'utf8' }).trim();
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
  return [
    `${cores} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}`,
    `Node ${process.version}, ${pythonVersion}, ${peers.map((peer) => peer.version).join(', ')}, ghz ${GHZ_VERSION}`,
    pinning,
    `load average at the start (1 / 5 / 15 min): ${load}`,
  ].join('; ');
}
