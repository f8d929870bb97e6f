import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

type YamlOptions = Yaml.ParseOptions & Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.ToJSOptions;

let yaml: typeof Yaml | undefined;

/**
 * yaml's `parse`, loaded on first use. Every process that imports core compiles what core imports at start-up —
 * the service, and each connector package it discovers — while only `flyte-connect run` reads YAML; loading the
 * parser eagerly cost ~20 ms of every start.
 */
export function parseYaml(text: string, options: YamlOptions): unknown {
  yaml ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return yaml.parse(text, options);
}
