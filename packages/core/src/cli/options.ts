import { InvalidArgumentError, Option } from 'commander';

export function integerOption(flags: string, description: string, env: string, min = 0): Option {
  return new Option(flags, description).env(env).argParser((value: string) => parseInteger(value, min));
}

export function parseInteger(value: string, min = 0): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min)
    throw new InvalidArgumentError(`expected an integer >= ${min}.`);
  return number;
}

export function parseSeconds(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0)
    throw new InvalidArgumentError('expected a number of seconds >= 0.');
  return number;
}

/** `--modules a --modules b` and `--modules a,b` both work; the env variable is comma-separated. */
export function collectModules(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}
