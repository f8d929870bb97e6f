import { describe, expect, it } from 'vitest';
import { ResourceExhaustedError } from '../errors.js';
import { RequestBudget } from './request-budget.js';

const MiB = 2 ** 20;

describe('RequestBudget', () => {
  it('admits requests up to the limit and refuses the next one, naming sizes and the flag', () => {
    const budget = new RequestBudget(4 * MiB);
    budget.acquire(3 * MiB);
    budget.acquire(1 * MiB);
    expect(() => budget.acquire(1)).toThrow(ResourceExhaustedError);
    expect(() => budget.acquire(2 * MiB)).toThrow(
      /already handling 4\.0 MiB of requests; this 2\.0 MiB request would pass the in-flight limit of 4\.0 MiB \(--max-inflight-request-size\)/,
    );
  });

  it('admits again once bytes are released', () => {
    const budget = new RequestBudget(4 * MiB);
    budget.acquire(4 * MiB);
    expect(() => budget.acquire(MiB)).toThrow(ResourceExhaustedError);
    budget.release(4 * MiB);
    budget.acquire(MiB);
    expect(budget.inFlightBytes).toBe(MiB);
  });

  it('always admits a request when nothing is in flight, even one larger than the limit', () => {
    const budget = new RequestBudget(MiB);
    budget.acquire(10 * MiB);
    expect(budget.inFlightBytes).toBe(10 * MiB);
  });

  it('is unbounded with a limit of 0', () => {
    const budget = new RequestBudget(0);
    for (let i = 0; i < 100; i += 1) budget.acquire(64 * MiB);
    expect(budget.inFlightBytes).toBe(6400 * MiB);
  });
});
