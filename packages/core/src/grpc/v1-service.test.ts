import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { GetTaskResponseSchema, State } from '../gen/v1/flyteidl/admin/agent_pb.js';
import { PHASE_NUMBERS } from '../phase.js';
import { toResourceMessage } from '../service/resource-message.js';
import type { Resource } from '../resource.js';
import { declaredOutputTypes } from '../literals/index.js';
import { encodeV1GetTaskResponse, toV1Resource } from './v1-service.js';

const outputTypes = declaredOutputTypes([
  { key: 'count', value: { type: { type: { case: 'simple', value: 1 } } } } as never,
  { key: 'name', value: { type: { type: { case: 'simple', value: 3 } } } } as never,
]);

function resource(phase: keyof typeof PHASE_NUMBERS, extra: Partial<Resource> = {}) {
  return toResourceMessage({ phase, ...extra }, outputTypes, 'test');
}

describe('encodeV1GetTaskResponse', () => {
  const cases = [
    ...Object.keys(PHASE_NUMBERS).map((phase) => resource(phase as keyof typeof PHASE_NUMBERS)),
    resource('SUCCEEDED', {
      message: 'done',
      outputs: { count: 9_007_199_254_740_993n, name: 'ünïcode' },
      logLinks: [{ name: 'console', uri: 'https://console.example/job/1', kind: 'dashboard', ready: false }],
      customInfo: { bytesBilled: 2048, nested: { list: [1, 'two', null] } },
    }),
    resource('FAILED', { message: 'quota exceeded' }),
  ];

  it.each(cases.map((r) => [r.phase, r] as const))(
    'writes exactly the bytes of the converted Flyte 1 response (phase %i)',
    (_phase, v2) => {
      const reference = toBinary(
        GetTaskResponseSchema,
        create(GetTaskResponseSchema, { resource: toV1Resource(v2) }),
      );
      expect(Buffer.from(encodeV1GetTaskResponse(v2)).toString('hex')).toBe(
        Buffer.from(reference).toString('hex'),
      );
    },
  );

  it('fills the deprecated state that old propellers read', () => {
    const read = (phase: keyof typeof PHASE_NUMBERS) =>
      fromBinary(GetTaskResponseSchema, encodeV1GetTaskResponse(resource(phase))).resource?.state;
    expect(read('RUNNING')).toBe(State.RUNNING);
    expect(read('SUCCEEDED')).toBe(State.SUCCEEDED);
    expect(read('FAILED')).toBe(State.PERMANENT_FAILURE);
    expect(read('RETRYABLE_FAILED')).toBe(State.RETRYABLE_FAILURE);
  });

  it('keeps outputs, message, links and custom info readable by a Flyte 1 client', () => {
    const decoded = fromBinary(GetTaskResponseSchema, encodeV1GetTaskResponse(cases.at(-2)!)).resource!;
    expect(decoded.message).toBe('done');
    expect(decoded.outputs?.literals['name']?.value.case).toBe('scalar');
    expect(decoded.logLinks[0]?.uri).toBe('https://console.example/job/1');
    expect(decoded.customInfo).toEqual({ bytesBilled: 2048, nested: { list: [1, 'two', null] } });
  });
});
