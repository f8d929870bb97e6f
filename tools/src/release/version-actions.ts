// How `nx release version` reads and writes the versions of this workspace's npm packages (nx.json
// release.version.versionActions). Nx's own implementation ships in @nx/js, whose releases do not follow Nx 24 on
// the registry this project uses; this is the same contract for plain package.json packages, and no more.
import { join } from 'node:path';
import { VersionActions } from 'nx/release';
import semver from 'semver';

// Nx hands these in; only the parts used here are typed (nx/release does not re-export Tree or ProjectGraph).
interface Tree {
  read(path: string, encoding: 'utf-8'): string | null;
  write(path: string, content: string): void;
  exists(path: string): boolean;
}
interface ProjectGraph {
  readonly nodes: Record<string, { readonly data: { readonly root: string; readonly metadata?: unknown } }>;
}

type Manifest = Record<string, unknown> & { version?: string };

/** Where a package can name another one. Peers first: a connector's peer range on core is what matters. */
const COLLECTIONS = ['peerDependencies', 'dependencies', 'optionalDependencies', 'devDependencies'] as const;

export default class PackageJsonVersionActions extends VersionActions {
  validManifestFilenames = ['package.json'];

  async readCurrentVersionFromSourceManifest(
    tree: Tree,
  ): Promise<{ currentVersion: string; manifestPath: string }> {
    const manifestPath = join(this.projectGraphNode.data.root, 'package.json');
    const version = readManifest(tree, manifestPath).version;
    if (typeof version !== 'string') throw new Error(`${manifestPath} has no "version"`);
    return { currentVersion: version, manifestPath };
  }

  // Versions are read from disk (release.version.currentVersionResolver "disk"), never from a registry.
  async readCurrentVersionFromRegistry(): Promise<null> {
    return null;
  }

  async readCurrentVersionOfDependency(
    tree: Tree,
    projectGraph: ProjectGraph,
    dependencyProjectName: string,
  ): Promise<{ currentVersion: string | null; dependencyCollection: string | null }> {
    const manifest = readManifest(tree, join(this.projectGraphNode.data.root, 'package.json'));
    const name = packageNameOf(tree, projectGraph, dependencyProjectName);
    for (const collection of COLLECTIONS) {
      const range = dependencyMap(manifest, collection)?.[name];
      if (range !== undefined && isVersionRange(range))
        return { currentVersion: range, dependencyCollection: collection };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree: Tree, newVersion: string): Promise<string[]> {
    return this.manifestsToUpdate.map(({ manifestPath }) => {
      const manifest = readManifest(tree, manifestPath);
      manifest.version = newVersion;
      writeManifest(tree, manifestPath, manifest);
      return `✍️  New version ${newVersion} written to manifest: ${manifestPath}`;
    });
  }

  async updateProjectDependencies(
    tree: Tree,
    projectGraph: ProjectGraph,
    dependenciesToUpdate: Record<string, string>,
  ): Promise<string[]> {
    const logs: string[] = [];
    // Nx's default: a range that already admits the new version (^0.1.0 for 0.1.1) is left alone.
    const preserveMatching = this.finalConfigForProject.preserveMatchingDependencyRanges !== false;
    for (const { manifestPath } of this.manifestsToUpdate) {
      const manifest = readManifest(tree, manifestPath);
      for (const [projectName, range] of Object.entries(dependenciesToUpdate)) {
        const name = packageNameOf(tree, projectGraph, projectName);
        for (const collection of COLLECTIONS) {
          const map = dependencyMap(manifest, collection);
          // "*" and workspace:/file: links stay as they are: npm resolves them to the workspace copy.
          const current = map?.[name];
          if (map === undefined || current === undefined || !isVersionRange(current)) continue;
          if (preserveMatching && semver.satisfies(range.replace(/^[~^=]/, ''), current)) continue;
          map[name] = range;
          logs.push(`✍️  ${collection}.${name} set to ${range} in ${manifestPath}`);
        }
      }
      writeManifest(tree, manifestPath, manifest);
    }
    return logs;
  }
}

function readManifest(tree: Tree, path: string): Manifest {
  const text = tree.read(path, 'utf-8');
  if (text === null) throw new Error(`${path} does not exist`);
  return JSON.parse(text) as Manifest;
}

function writeManifest(tree: Tree, path: string, manifest: Manifest): void {
  tree.write(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

function dependencyMap(manifest: Manifest, collection: string): Record<string, string> | undefined {
  const map = manifest[collection];
  return typeof map === 'object' && map !== null ? (map as Record<string, string>) : undefined;
}

function isVersionRange(range: string): boolean {
  return range !== '*' && !/^(workspace|file|link|portal):/.test(range);
}

/** The npm name of a workspace project (its package.json "name"). */
function packageNameOf(tree: Tree, projectGraph: ProjectGraph, projectName: string): string {
  const root = projectGraph.nodes[projectName]?.data.root;
  if (root === undefined) return projectName;
  const name = readManifest(tree, join(root, 'package.json'))['name'];
  return typeof name === 'string' ? name : projectName;
}
