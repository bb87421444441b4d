// The addon and the BPF object, built by `npm run build` (make -C bpf && node-gyp rebuild).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

export interface NativeCapture {
  exclude(tgid: number): void;
  setMaxPayload(bytes: number): void;
  attachUprobe(program: string, binary: string, symbol: string, retprobe: boolean, pid?: number): void;
  start(onBatch: (batch: Buffer) => void): void;
  /** [records the ring could not take, bytes that could not be read], summed over CPUs. */
  drops(): [number, number];
  close(): void;
}

const packageDir = resolve(import.meta.dirname, '../..');
export const ADDON_PATH = resolve(packageDir, 'build/Release/oisp_ebpf.node');
export const BPF_OBJECT_PATH = resolve(packageDir, '../../bpf/.output/ssl.bpf.o');

/** Loads the BPF object with a ring of `ringBytes` (a power of two, >= the page size). */
export function openCapture(ringBytes: number): NativeCapture {
  for (const [path, what] of [[ADDON_PATH, 'native addon'], [BPF_OBJECT_PATH, 'BPF object']]) {
    if (!existsSync(path)) throw new Error(`ebpf: the ${what} is not built (${path}); run ./dev setup (or npm run build -w @oisp/receiver-ebpf)`);
  }
  const { Capture } = createRequire(import.meta.url)(ADDON_PATH) as { Capture: new (objectPath: string, ringBytes: number) => NativeCapture };
  return new Capture(BPF_OBJECT_PATH, ringBytes);
}
