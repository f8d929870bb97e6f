// Turns a CustomResourceDefinition into the per-version JSON Schemas kubeconform loads. The CRD's OpenAPI v3 schema
// is nearly JSON Schema already; what differs is made explicit so validation is as strict as for built-in kinds:
// objects reject fields they do not declare (the API server prunes them silently, hiding typos), and `nullable`
// becomes a `null` type.

type SchemaNode = Record<string, unknown>;

export interface CrdVersionSchema {
  /** API group, e.g. `monitoring.coreos.com`. */
  group: string;
  /** Lower-cased kind, e.g. `servicemonitor` (kubeconform's `ResourceKind`). */
  kind: string;
  /** Version name, e.g. `v1`. */
  version: string;
  schema: SchemaNode;
}

export interface CustomResourceDefinition {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: { name?: string; schema?: { openAPIV3Schema?: SchemaNode } }[];
  };
}

export function crdToJsonSchemas(crd: CustomResourceDefinition): CrdVersionSchema[] {
  const group = crd.spec?.group;
  const kind = crd.spec?.names?.kind;
  if (crd.kind !== 'CustomResourceDefinition' || !group || !kind) {
    throw new Error('not a CustomResourceDefinition with spec.group and spec.names.kind');
  }
  return (crd.spec?.versions ?? []).flatMap((version) => {
    const openApi = version.schema?.openAPIV3Schema;
    if (!version.name || !openApi) return [];
    return [{ group, kind: kind.toLowerCase(), version: version.name, schema: strict(openApi) }];
  });
}

function strict(node: SchemaNode): SchemaNode {
  const out: SchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' || key === 'patternProperties' || key === 'definitions') {
      out[key] = mapValues(value as Record<string, SchemaNode>, strict);
    } else if (key === 'items' || key === 'additionalProperties' || key === 'not') {
      out[key] = isSchema(value) ? strict(value) : value;
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = (value as SchemaNode[]).map(strict);
    } else {
      out[key] = value;
    }
  }
  if (out.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  const preservesUnknown = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties !== undefined && out.additionalProperties === undefined && !preservesUnknown) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(record: Record<string, SchemaNode>, fn: (node: SchemaNode) => SchemaNode) {
  return Object.fromEntries(Object.entries(record).map(([key, node]) => [key, fn(node)]));
}

function isSchema(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
