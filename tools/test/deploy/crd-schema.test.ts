import { describe, expect, it } from 'vitest';
import { crdToJsonSchemas } from '../../src/deploy/crd-schema.ts';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  spec: {
    group: 'example.com',
    names: { kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer', nullable: true },
                  labels: {
                    type: 'object',
                    additionalProperties: { type: 'object', properties: { v: { type: 'string' } } },
                  },
                  raw: {
                    type: 'object',
                    'x-kubernetes-preserve-unknown-fields': true,
                    properties: { kind: { type: 'string' } },
                  },
                  items: {
                    type: 'array',
                    items: { type: 'object', properties: { name: { type: 'string' } } },
                  },
                  port: {
                    anyOf: [{ type: 'integer' }, { type: 'string' }],
                    'x-kubernetes-int-or-string': true,
                  },
                },
              },
            },
          },
        },
      },
      { name: 'v1alpha1' },
    ],
  },
};

describe('crdToJsonSchemas', () => {
  const [schema] = crdToJsonSchemas(crd);

  it('names each served version the way kubeconform looks it up', () => {
    expect(crdToJsonSchemas(crd).map(({ group, kind, version }) => ({ group, kind, version }))).toEqual([
      { group: 'example.com', kind: 'widget', version: 'v1' },
    ]);
  });

  it('rejects undeclared fields at every level that declares its fields', () => {
    const spec = (schema!.schema.properties as Record<string, Record<string, unknown>>).spec!;
    const fields = spec.properties as Record<string, Record<string, unknown>>;
    expect(schema!.schema.additionalProperties).toBe(false);
    expect(spec.additionalProperties).toBe(false);
    expect((fields.items!.items as Record<string, unknown>).additionalProperties).toBe(false);
    expect((fields.labels!.additionalProperties as Record<string, unknown>).additionalProperties).toBe(false);
  });

  it('keeps objects that preserve unknown fields open, and int-or-string as declared', () => {
    const fields = (schema!.schema.properties as Record<string, Record<string, unknown>>).spec!
      .properties as Record<string, Record<string, unknown>>;
    expect(fields.raw).not.toHaveProperty('additionalProperties');
    expect(fields.port).toEqual({
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    });
  });

  it('lets nullable fields be null', () => {
    const fields = (schema!.schema.properties as Record<string, Record<string, unknown>>).spec!
      .properties as Record<string, Record<string, unknown>>;
    expect(fields.size!.type).toEqual(['integer', 'null']);
  });

  it('refuses what is not a CustomResourceDefinition', () => {
    expect(() => crdToJsonSchemas({ kind: 'Deployment' })).toThrow(/CustomResourceDefinition/);
  });
});
