import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { ResourceSchema as V1ResourceSchema, State } from '../gen/v1/flyteidl/admin/agent_pb.js';
import { ResourceSchema } from '../gen/v2/flyteidl2/connector/connector_pb.js';
import { isFinalPhase, readPhase, stopsPolling } from './phase-mapping.js';

const v2 = (phase: number) => create(ResourceSchema, { phase });
/** A Flyte 1 resource as the Flyte 1 client hands it over: converted to the Flyte 2 shape by a binary round trip. */
const v1 = (phase: number, state?: State) =>
  fromBinary(ResourceSchema, toBinary(V1ResourceSchema, create(V1ResourceSchema, { phase, state })));

describe('readPhase', () => {
  it('takes every known phase as is, in every family', () => {
    for (const family of ['v1', 'v2', 'in-process'] as const) {
      expect(readPhase(v2(1), family)).toEqual({ ok: true, phase: 'QUEUED' });
      expect(readPhase(v2(8), family)).toEqual({ ok: true, phase: 'RETRYABLE_FAILED' });
    }
  });

  it('treats UNDEFINED from Flyte 2 (and in-process) as a problem', () => {
    expect(readPhase(v2(0), 'v2').ok).toBe(false);
    expect(readPhase(v2(0), 'in-process').ok).toBe(false);
  });

  it('falls back to the deprecated state for Flyte 1, absent state meaning RETRYABLE_FAILURE', () => {
    expect(readPhase(v1(0, State.PENDING), 'v1')).toEqual({ ok: true, phase: 'INITIALIZING' });
    expect(readPhase(v1(0, State.RUNNING), 'v1')).toEqual({ ok: true, phase: 'RUNNING' });
    expect(readPhase(v1(0, State.SUCCEEDED), 'v1')).toEqual({ ok: true, phase: 'SUCCEEDED' });
    expect(readPhase(v1(0, State.PERMANENT_FAILURE), 'v1')).toEqual({ ok: true, phase: 'FAILED' });
    expect(readPhase(v1(0), 'v1')).toEqual({ ok: true, phase: 'RETRYABLE_FAILED' });
    // A set phase wins over the state.
    expect(readPhase(v1(2, State.SUCCEEDED), 'v1')).toEqual({ ok: true, phase: 'RUNNING' });
  });

  it('reports unknown phase numbers', () => {
    expect(readPhase(v2(42), 'v2')).toEqual({ ok: false, problem: 'unknown execution phase [42]' });
    expect(readPhase(v2(42), 'v1').ok).toBe(false);
  });
});

describe('terminal sets', () => {
  it('polling stops at SUCCEEDED/FAILED/ABORTED, plus RETRYABLE_FAILED outside Flyte 1', () => {
    expect(stopsPolling('SUCCEEDED', 'v1')).toBe(true);
    expect(stopsPolling('ABORTED', 'v1')).toBe(true);
    expect(stopsPolling('RETRYABLE_FAILED', 'v1')).toBe(false);
    expect(stopsPolling('RETRYABLE_FAILED', 'v2')).toBe(true);
    expect(stopsPolling('RUNNING', 'v2')).toBe(false);
  });

  it('the attempt ends on all four final phases', () => {
    expect(
      ['SUCCEEDED', 'FAILED', 'ABORTED', 'RETRYABLE_FAILED'].every((p) => isFinalPhase(p as never)),
    ).toBe(true);
    expect(isFinalPhase('WAITING_FOR_RESOURCES')).toBe(false);
  });
});
