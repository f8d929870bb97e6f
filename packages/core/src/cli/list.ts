import { Command, Option } from 'commander';
import { createLogger } from '../logging.js';
import { defaultSearchPaths, discoverConnectorPackages, loadConnectors } from '../discovery/index.js';
import { describeSource } from '../spec/resolve.js';
import { ConnectorRegistry } from '../registry.js';
import { collectModules } from './options.js';

export function listCommand(): Command {
  return new Command('list')
    .description(
      'List the connectors that serve would load: task categories, parameters and where each comes from.',
    )
    .addOption(new Option('--json', 'print JSON instead of a table'))
    .addOption(
      new Option('-m, --modules <module>', 'extra connector module to load (repeatable)')
        .env('FLYTE_CONNECTOR_MODULES')
        .argParser(collectModules),
    )
    .addOption(new Option('--no-discover', 'do not load installed packages that declare "flyte.connectors"'))
    .action(async (options: { json?: boolean; modules?: string[]; discover: boolean }) => {
      const cwd = process.cwd();
      const logger = createLogger({ level: 'error', destination: process.stderr });
      const packages = options.discover
        ? await discoverConnectorPackages({ searchPaths: defaultSearchPaths(cwd) })
        : [];
      const { loaded, problems } = await loadConnectors({
        packages,
        modules: options.modules ?? [],
        cwd,
        logger,
        env: process.env,
      });
      const registry = new ConnectorRegistry();
      for (const { connector, source } of loaded) registry.register(connector, source);
      const listing = registry.listConnectors();
      if (options.json === true) {
        const json = listing.map((c) => ({
          name: c.name,
          sync: c.isSync,
          taskCategories: c.categories,
          sources: c.sources,
          description: c.spec.description,
          parameters: Object.entries(c.spec.params).map(([name, p]) => ({
            name,
            type: p.type,
            description: p.description,
            required: p.required === true,
            secret: p.secret === true,
            ...(p.default === undefined || p.secret === true ? {} : { default: p.default }),
            sources: p.sources.map(describeSource),
          })),
        }));
        process.stdout.write(`${JSON.stringify({ connectors: json, problems }, null, 2)}\n`);
        return;
      }
      if (listing.length === 0) process.stdout.write('No connectors found.\n');
      for (const c of listing) {
        const categories = c.categories.map((t) => `${t.name} (v${t.version})`).join(', ');
        process.stdout.write(
          `${c.name}  [${c.isSync ? 'sync' : 'async'}]  ${categories}\n  ${c.spec.description}\n  from ${c.sources.join(', ')}\n`,
        );
        for (const [name, p] of Object.entries(c.spec.params)) {
          const flags = [
            p.type,
            p.required === true ? 'required' : 'optional',
            ...(p.secret === true ? ['secret'] : []),
          ];
          process.stdout.write(
            `    ${name} (${flags.join(', ')}): ${p.description}\n      from ${p.sources.map(describeSource).join(' | ')}\n`,
          );
        }
      }
      for (const problem of problems)
        process.stdout.write(`! skipped ${problem.source}: ${problem.reason}\n`);
    });
}
