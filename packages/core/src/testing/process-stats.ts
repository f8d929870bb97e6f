import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (`getconf CLK_TCK`), the unit of {@link processCpuTicks}. */
export function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  return ticksPerSecond;
}

/** CPU time (utime + stime) a process has used so far, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; the fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** A process's resident memory, in MB. */
export interface ProcessMemory {
  /** Resident now (VmRSS). */
  readonly rssMb: number;
  /** Resident at its peak (VmHWM). */
  readonly hwmMb: number;
}

/** A process's resident memory now and at its peak, from /proc/<pid>/status. */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}
