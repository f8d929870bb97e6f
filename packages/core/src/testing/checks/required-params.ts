import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { describeSource } from '../../spec/resolve.js';
import type { ParamSource, ParamSpec } from '../../spec/types.js';
import type { AcceptanceConnection } from '../harness.js';
import type { Kit } from '../kit.js';
import type { KitService, ServiceOverrides } from '../service.js';
import type { AcceptanceCheck } from './check.js';

export const requiredParamsCheck: AcceptanceCheck = {
  id: 'required-params',
  title: 'a task missing a required parameter is refused with INVALID_ARGUMENT naming it',
  async run(kit) {
    const problems: string[] = [];
    for (const [name, param] of Object.entries(kit.connector.spec.params)) {
      if (param.required === true) problems.push(...(await missingParamProblems(kit, name, param)));
    }
    return problems;
  },
};

/** The task with one parameter's values removed from every source the kit controls. */
interface Removal {
  readonly template: ReturnType<Kit['templateCopy']>;
  readonly connection: AcceptanceConnection | undefined;
  readonly overrides: ServiceOverrides;
  /** Whether the service itself must be started without some sources (env, server secrets). */
  readonly needsOwnService: boolean;
}

async function missingParamProblems(kit: Kit, name: string, param: ParamSpec): Promise<string[]> {
  const removal = remove(kit, param.sources);
  const where = param.sources.map(describeSource).join(', ');
  const attempt = async (service: KitService): Promise<string[]> => {
    const problems: string[] = [];
    for (const family of kit.families) {
      const input = kit.newInput({ template: removal.template, connection: removal.connection });
      const created = await kit.create(family, input, service);
      if (created.ok) {
        await service.clients[family].delete(created.value.reference).catch(() => undefined);
        problems.push(
          `[${family}] CreateTask succeeded without any value for required parameter '${name}' (removed from ` +
            `${where}): ${
              param.default === undefined
                ? 'the connector must not fall back to a value of its own'
                : 'it also declares a default, so core never finds it missing; drop `required` or the default'
            }`,
        );
      } else if (created.kind !== 'INVALID_ARGUMENT') {
        problems.push(
          `[${family}] CreateTask without required parameter '${name}' failed with ${created.kind} instead of ` +
            `INVALID_ARGUMENT: ${created.message}`,
        );
      } else if (!created.message.includes(name)) {
        problems.push(
          `[${family}] the INVALID_ARGUMENT for missing parameter '${name}' does not name it: ${created.message}`,
        );
      }
    }
    return problems;
  };
  return removal.needsOwnService ? kit.withService(removal.overrides, attempt) : attempt(kit.service);
}

function remove(kit: Kit, sources: readonly ParamSource[]): Removal {
  const template = kit.templateCopy();
  template.custom = structuredClone(template.custom ?? {});
  template.config = { ...template.config };
  const connection = kit.harness.task().connection;
  const secrets = { ...connection?.secrets };
  const configs = { ...connection?.configs };
  const withoutEnv: string[] = [];
  const withoutServerSecrets: string[] = [];
  for (const source of sources) {
    switch (source.from) {
      case 'custom':
        deletePath(template.custom, source.path);
        break;
      case 'config':
        delete template.config[source.key];
        break;
      case 'connection.secret':
        delete secrets[source.key];
        break;
      case 'connection.config':
        delete configs[source.key];
        break;
      case 'env':
        withoutEnv.push(source.name);
        break;
      case 'server-secret':
        withoutServerSecrets.push(source.key);
        break;
    }
  }
  return {
    template,
    connection: connection === undefined ? undefined : { secrets, configs },
    overrides: { withoutEnv, withoutServerSecrets },
    needsOwnService: withoutEnv.length > 0 || withoutServerSecrets.length > 0,
  };
}

/** Deletes a dot-separated path from a JSON object, as core reads `custom` sources. */
function deletePath(object: JsonObject, path: string): void {
  const segments = path.split('.');
  const last = segments.pop();
  let current: JsonValue | undefined = object;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return;
    current = current[segment];
  }
  if (last !== undefined && typeof current === 'object' && current !== null && !Array.isArray(current))
    delete current[last];
}
