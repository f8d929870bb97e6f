// Scaffolds packages/connector-<name>/ from the templates beside this file and wires it into the workspace.
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { connectorNames, type ConnectorNames } from './names.ts';
import type { GeneratorOptions } from './options.ts';
import { packageJson } from './package-json.ts';
import { placeholderValues, render } from './render.ts';
import { addTypeScriptReference, linkWorkspacePackage, npmInstall, readCoreInfo } from './workspace.ts';

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), 'templates');
const TEMPLATE_SUFFIX = '.tmpl';

/** What was generated. */
export interface GeneratedConnector {
  readonly names: ConnectorNames;
  /** Absolute path of the new package. */
  readonly packageDir: string;
  /** Paths of the files written, relative to the package. */
  readonly files: readonly string[];
}

/** The template directories for a kind of connector; later ones win when they hold the same file. */
export function templateSets(options: Pick<GeneratorOptions, 'mode' | 'rest'>): string[] {
  if (options.mode === 'async') return ['common', 'rest', 'async-rest'];
  return options.rest ? ['common', 'rest', 'sync-rest'] : ['common', 'sync-local'];
}

export async function generateConnector(
  root: string,
  options: GeneratorOptions,
): Promise<GeneratedConnector> {
  const names = connectorNames(options, await readCoreInfo(root));
  const packageDir = join(root, 'packages', names.dirName);
  if (await exists(packageDir)) throw new Error(`${relative(root, packageDir)} already exists.`);

  const values = placeholderValues(names, options);
  const outputs = new Map<string, string>();
  for (const set of templateSets(options)) {
    for (const template of await filesUnder(join(TEMPLATES, set))) {
      const target = relative(join(TEMPLATES, set), template).slice(0, -TEMPLATE_SUFFIX.length);
      outputs.set(target, render(await readFile(template, 'utf8'), values, `${set}/${target}`));
    }
  }
  const kind = options.mode === 'async' ? 'asynchronous' : 'synchronous';
  outputs.set(
    'package.json',
    JSON.stringify(
      packageJson(
        names,
        `Flyte ${names.title} connector (task type ${names.taskType}, ${kind}) for the Node.js connector service`,
      ),
      null,
      2,
    ),
  );

  const prettierConfig = (await prettier.resolveConfig(join(root, 'package.json'))) ?? {};
  for (const [file, text] of outputs) {
    const path = join(packageDir, file);
    await mkdir(dirname(path), { recursive: true });
    // Formatted with the workspace's Prettier settings, so that long names do not leave lines to reflow.
    const formatted = ['.ts', '.json'].includes(extname(file))
      ? await prettier.format(text, { ...prettierConfig, filepath: path })
      : text;
    await writeFile(path, formatted);
  }
  await copyFile(join(root, 'LICENSE'), join(packageDir, 'LICENSE'));

  await addTypeScriptReference(root, names.dirName);
  await linkWorkspacePackage(root, names.packageName, packageDir);
  if (!options.skipInstall) npmInstall(root);
  return { names, packageDir, files: [...outputs.keys(), 'LICENSE'].sort() };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(TEMPLATE_SUFFIX))
    .map((entry) => join(entry.parentPath, entry.name));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
