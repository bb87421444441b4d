// The addon and the BPF objects, built by `npm run build` (make -C bpf && node-gyp rebuild).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export interface NativeCapture {
  exclude(tgid: number): void;
  setMaxPayload(bytes: number): void;
  /** `cookie` comes back in the records of this attach point (TlsDataRecord.lib). */
  /** At a symbol of the file, or at a file offset (a function found by structure in a stripped binary). */
  attachUprobe(program: string, binary: string, at: string | number, retprobe: boolean, pid?: number, cookie?: number): void;
  /** Attaches every program of the object at the hook its section names (tp_btf/...). */
  attachAll(): void;
  updateMap(name: string, key: Buffer, value: Buffer): void;
  deleteMapKey(name: string, key: Buffer): boolean;
  start(onBatch: (batch: Buffer) => void): void;
  /** The first `slots` counters of a per-CPU array map, each summed over CPUs (`drops`: [records
   * the ring could not take, bytes that could not be read]). */
  sumPerCpu(map: string, slots: number): number[];
  close(): void;
}

// Installed from npm (scripts/pack.ts), the addon and the BPF objects ship prebuilt beside the bundle
// (dist/../prebuilt); in a clone they are where the build leaves them.
const prebuiltDir = resolve(import.meta.dirname, '../prebuilt');
const prebuilt = existsSync(resolve(prebuiltDir, 'oisp_ebpf.node'));
const packageDir = resolve(import.meta.dirname, '../..');
export const ADDON_PATH = prebuilt ? resolve(prebuiltDir, 'oisp_ebpf.node') : resolve(packageDir, 'build/Release/oisp_ebpf.node');
export const BPF_OBJECT_PATH = prebuilt ? resolve(prebuiltDir, 'ssl.bpf.o') : resolve(packageDir, '../../bpf/.output/ssl.bpf.o');
/** Process, file and network events (bpf/sys.bpf.c): its own object, its own ring. */
export const SYS_OBJECT_PATH = prebuilt ? resolve(prebuiltDir, 'sys.bpf.o') : resolve(packageDir, '../../bpf/.output/sys.bpf.o');

/** Loads a BPF object with a ring of `ringBytes` (a power of two, >= the page size); the maps named in
 * `share.maps` are the very maps of the already loaded `share.with`. */
export function openCapture(ringBytes: number, objectPath = BPF_OBJECT_PATH, share?: { with: NativeCapture; maps: string[] }): NativeCapture {
  for (const [path, what] of [[ADDON_PATH, 'native addon'], [objectPath, 'BPF object']]) {
    if (!existsSync(path)) throw new Error(prebuilt
      ? `ebpf: the ${what} shipped with this package is missing (${path}); reinstall oisp-collector`
      : `ebpf: the ${what} is not built (${path}); run ./dev setup (or npm run build -w @oisp/receiver-ebpf)`);
  }
  let addon: { Capture: new (objectPath: string, ringBytes: number, shareWith?: NativeCapture, maps?: string[]) => NativeCapture };
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH);
  } catch (err) {
    throw new Error(explainLoadError((err as Error).message), { cause: err });
  }
  return share ? new addon.Capture(objectPath, ringBytes, share.with, share.maps) : new addon.Capture(objectPath, ringBytes);
}

/** A failed dlopen of the addon, said with what to do. */
export function explainLoadError(message: string): string {
  const lib = /(lib(?:bpf|elf|z)\.so[.\d]*): cannot open shared object file/.exec(message);
  if (lib) return `ebpf: ${lib[1]} is not installed (apt-get install ${lib[1].startsWith('libbpf') ? 'libbpf1' : lib[1].startsWith('libelf') ? 'libelf1' : 'zlib1g'}); ${message}`;
  if (/NODE_MODULE_VERSION/.test(message)) return `ebpf: the addon was built for another node; rebuild it with ./dev setup; ${message}`;
  return `ebpf: cannot load the native addon: ${message}`;
}
