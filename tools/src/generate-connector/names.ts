import type { GeneratorOptions } from './options.ts';

/** Every identifier the templates need, derived once from the options so that all files agree. */
export interface ConnectorNames {
  /** `acme-jobs` */
  readonly name: string;
  /** `connector-acme-jobs` (the directory under packages/) */
  readonly dirName: string;
  /** `@org/connector-acme-jobs` */
  readonly packageName: string;
  /** `@org/connector-core` */
  readonly corePackage: string;
  /** `^0.1.0`: the peer range on core */
  readonly coreRange: string;
  /** `AcmeJobs` */
  readonly pascal: string;
  /** `AcmeJobsConnector` */
  readonly className: string;
  /** `Acme Jobs` */
  readonly title: string;
  /** `acme_jobs` */
  readonly snake: string;
  /** `ACME_JOBS` */
  readonly upper: string;
  /** `FLYTE_ACME_JOBS`: prefix of the operator's environment variables and of the Flyte 1 server secret */
  readonly envPrefix: string;
  /** `ACME_JOBS_TASK_TYPE` */
  readonly taskTypeConst: string;
  readonly taskType: string;
}

/** What the workspace tells the generator about core. */
export interface CoreInfo {
  /** e.g. `@org/connector-core` */
  readonly packageName: string;
  /** e.g. `0.1.0` */
  readonly version: string;
}

export function connectorNames(options: GeneratorOptions, core: CoreInfo): ConnectorNames {
  const words = options.name.split('-');
  const pascal = words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
  const scope = core.packageName.startsWith('@') ? `${core.packageName.split('/')[0]}/` : '';
  const snake = words.join('_');
  const upper = snake.toUpperCase();
  const [major, minor] = core.version.split('.');
  return {
    name: options.name,
    dirName: `connector-${options.name}`,
    packageName: `${scope}connector-${options.name}`,
    corePackage: core.packageName,
    // Before 1.0 a minor release may break, so the range stays within the current minor (as the first-party ones).
    coreRange: major === '0' ? `^0.${minor}.0` : `^${major}.0.0`,
    pascal,
    className: `${pascal}Connector`,
    title: words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join(' '),
    snake,
    upper,
    envPrefix: `FLYTE_${upper}`,
    taskTypeConst: `${upper}_TASK_TYPE`,
    taskType: options.taskType,
  };
}
