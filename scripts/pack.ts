// Makes the npm package a host installs without a compiler: `node scripts/pack.ts [out-dir]`.
//
// Node does not strip TypeScript under node_modules, so the collector and every @oisp/* package are
// bundled into one ES module (dist/oisp-collector.mjs); third-party packages stay external and become
// the package's dependencies. The CO-RE BPF objects and the N-API addon, built once here by
// `./dev setup`, ship in prebuilt/ (native.ts looks there first): no clang, bpftool or node-gyp on
// the host, only the libbpf/libelf runtime libraries that `oisp-collector check` reports.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { shrinkwrap, type Lockfile } from './shrinkwrap.ts';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(process.argv[2] ?? join(root, 'dist'));

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
}
const readJson = (path: string): PackageJson => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
const isWorkspacePackage = (name: string): boolean => name.startsWith('@oisp/');
/** `@scope/name/sub/path` -> `@scope/name`; `name/sub` -> `name`. */
const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const shipped = {
  'prebuilt/oisp_ebpf.node': 'packages/receiver-ebpf/build/Release/oisp_ebpf.node',
  'prebuilt/ssl.bpf.o': 'bpf/.output/ssl.bpf.o',
  'prebuilt/sys.bpf.o': 'bpf/.output/sys.bpf.o',
  // Read beside the bundle through import.meta: the demo's agent and the sample replay.
  'dist/tool-agent.mjs': 'packages/collector/src/demo/tool-agent.mjs',
  'testdata/sample.jsonl': 'packages/collector/testdata/sample.jsonl',
  'README.md': 'README.md',
  'LICENSE': 'LICENSE',
};
for (const from of Object.values(shipped)) {
  if (!existsSync(join(root, from))) throw new Error(`pack: ${from} is missing; run ./dev setup first`);
}

// Bundle @oisp/*; leave everything else to npm, remembering what the bundle imports.
const imported = new Set<string>();
const externals: Plugin = {
  name: 'third-party-external',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || isWorkspacePackage(args.path)) return undefined;
      imported.add(packageOf(args.path));
      return { path: args.path, external: true };
    });
  },
};

const stage = mkdtempSync(join(tmpdir(), 'oisp-pack-'));
try {
  const { metafile } = await build({
    absWorkingDir: root,
    metafile: true,
    // The collector, and the worker thread its discovery of stripped binaries runs in (loaded beside the bundle).
    entryPoints: {
      'oisp-collector': join(root, 'packages/collector/src/bin.ts'),
      'discovery-worker': join(root, 'packages/receiver-ebpf/src/internal/discovery/discovery-worker.ts'),
    },
    outdir: join(stage, 'dist'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    plugins: [externals],
    logLevel: 'warning',
  });
  for (const [to, from] of Object.entries(shipped)) {
    mkdirSync(join(stage, to, '..'), { recursive: true });
    copyFileSync(join(root, from), join(stage, to));
  }
  cpSync(join(root, 'examples/systemd'), join(stage, 'examples/systemd'), { recursive: true });
  cpSync(join(root, 'examples/kubernetes'), join(stage, 'examples/kubernetes'), { recursive: true });

  // The runtime dependencies of every bundled workspace package, one range per name.
  const bundled = new Set(Object.keys(metafile.inputs).flatMap((input) => /^packages\/([^/]+)\//.exec(input)?.[1] ?? []));
  const dependencies: Record<string, string> = {};
  const wantedBy: Record<string, string> = {};
  for (const dir of [...bundled].sort()) {
    const pkg = readJson(join(root, 'packages', dir, 'package.json'));
    for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
      if (isWorkspacePackage(name)) continue;
      if (dependencies[name] !== undefined && dependencies[name] !== range) {
        throw new Error(`pack: ${name} is wanted as ${dependencies[name]} and as ${range} (${pkg.name}); use one range`);
      }
      dependencies[name] = range;
      wantedBy[name] ??= `packages/${dir}`;
    }
  }
  // createRequire() lookups (hpack.js, protos.json, genai-prices) are invisible to the bundler; they
  // are declared dependencies. What the bundler saw must be declared too.
  const undeclared = [...imported].filter((name) => dependencies[name] === undefined);
  if (undeclared.length > 0) throw new Error(`pack: the bundle imports ${undeclared.join(', ')}, which no @oisp package declares in dependencies`);

  const collector = readJson(join(root, 'packages/collector/package.json'));
  const manifest = {
    name: 'oisp-collector',
    version: collector.version,
    description: 'See every call the programs on a Linux host make to AI providers (eBPF) as OISP events and OpenTelemetry GenAI spans.',
    license: collector.license,
    type: 'module',
    bin: { 'oisp-collector': 'dist/oisp-collector.mjs' },
    engines: collector.engines,
    // The addon and the BPF objects were built for this machine's architecture (CO-RE: any kernel with BTF).
    os: ['linux'],
    cpu: [process.arch],
    files: ['dist', 'prebuilt', 'testdata', 'examples', 'npm-shrinkwrap.json'],
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const { files: _files, description: _description, type: _type, ...rootEntry } = manifest;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  writeFileSync(join(stage, 'npm-shrinkwrap.json'), `${JSON.stringify(shrinkwrap(lock, rootEntry, wantedBy), null, 2)}\n`);

  mkdirSync(outDir, { recursive: true });
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: stage, encoding: 'utf8' })) as { filename: string; size: number; entryCount: number }[];
  const tarball = join(outDir, packed.filename);
  console.log(`${tarball} (${packed.entryCount} files, ${(packed.size / 1024 / 1024).toFixed(1)} MiB)`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
