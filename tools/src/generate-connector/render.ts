import type { ConnectorNames } from './names.ts';
import type { GeneratorOptions } from './options.ts';

/** The values of the `__placeholder__` tokens in the templates. */
export function placeholderValues(
  names: ConnectorNames,
  options: GeneratorOptions,
): Readonly<Record<string, string>> {
  return {
    name: names.name,
    packageName: names.packageName,
    corePackage: names.corePackage,
    ClassName: names.className,
    Pascal: names.pascal,
    camel: names.pascal[0]!.toLowerCase() + names.pascal.slice(1),
    Title: names.title,
    snake: names.snake,
    ENV: names.envPrefix,
    envLower: names.envPrefix.toLowerCase(),
    taskType: names.taskType,
    TaskTypeConst: names.taskTypeConst,
    specDescription:
      options.mode === 'async'
        ? `Runs ${names.title} jobs (task type ${names.taskType}): create submits a job, get reports it, delete cancels it.`
        : `Runs ${names.taskType} tasks with one ${names.title} API call and returns its results.`,
  };
}

/**
 * Replaces every `__name__` token (letters only, so `__snake___token` is `__snake__` + `_token`). An unknown token
 * is a bug in a template: fail rather than write it out.
 */
export function render(template: string, values: Readonly<Record<string, string>>, file: string): string {
  return template.replace(/__([A-Za-z]+)__/g, (token, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${file}: unknown placeholder ${token}`);
    return value;
  });
}
