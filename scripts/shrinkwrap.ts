// The slice of the workspace's package-lock.json that a published package needs, as its
// npm-shrinkwrap.json: the installed collector runs the dependency tree CI tested, byte for byte
// (integrity), and installs from npm's cache alone (`--offline`) on a machine that ran `npm ci`.

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}
export interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** Where node would find `name` when required from the lock entry at `from` (a path such as
 * `node_modules/a/node_modules/b` or a workspace folder `packages/x`). */
function locate(lock: Lockfile, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[key] !== undefined) return key;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut >= 0 ? dir.slice(0, cut) : '';
  }
}

/** npmjs.org's address of a package's tarball: `<registry>/@scope/name/-/name-1.2.3.tgz`. */
function registryTarball(key: string, entry: LockEntry): string {
  const name = (entry.name as string | undefined) ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
  if (entry.version === undefined) throw new Error(`shrinkwrap: ${key} has no version in package-lock.json`);
  return `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
}

/** The shrinkwrap of a package whose `dependencies` are those of the workspace folders they came
 * from (`wantedBy`: dependency name -> workspace folder, e.g. `packages/core`). */
export function shrinkwrap(lock: Lockfile, root: LockEntry, wantedBy: Record<string, string>): Lockfile {
  if (lock.lockfileVersion < 2) throw new Error(`shrinkwrap: package-lock.json v${lock.lockfileVersion} has no "packages"; use npm >= 7`);
  const packages: Record<string, LockEntry> = { '': root };
  const visit = (from: string, name: string, optional: boolean, wanter: string): void => {
    const key = locate(lock, from, name);
    if (key === undefined) {
      if (optional) return;
      throw new Error(`shrinkwrap: ${wanter} needs ${name}, which package-lock.json does not hold; run npm install`);
    }
    // A workspace's private copy (packages/x/node_modules/y) would move to the root and could shadow
    // the root's own copy for everyone else; none exists today, so refuse rather than guess.
    const target = key.startsWith('packages/') ? key.slice(key.indexOf('node_modules/')) : key;
    if (key !== target && lock.packages[target] !== undefined) {
      throw new Error(`shrinkwrap: ${wanter} uses its own ${name} (${key}), which would shadow ${target}; align the versions`);
    }
    if (packages[target] !== undefined) return;
    const { dev: _dev, devOptional: _devOptional, ...entry } = lock.packages[key];
    if (entry.link) throw new Error(`shrinkwrap: ${name} is a workspace link (${key}); bundle it instead of depending on it`);
    // A lock written with omit-lockfile-registry-resolved has no tarball addresses; without one npm
    // asks the registry for every package again. The registry's tarball address is a convention.
    entry.resolved ??= registryTarball(key, entry);
    packages[target] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(key, dep, false, key);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(key, dep, true, key);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      visit(key, dep, entry.peerDependenciesMeta?.[dep]?.optional === true, key);
    }
  };
  for (const [name, folder] of Object.entries(wantedBy)) visit(folder, name, false, folder);
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  return { name: root.name as string, version: root.version, lockfileVersion: 3, requires: true, packages: sorted };
}
