// Discovery by structure off the event loop: one worker thread, requests answered in order, kept
// alive only while a request is pending.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Discovered } from './discover.ts';
import type { DiscoveryRequest } from './discovery-worker.ts';

/** The worker's script: beside this module in the source tree, beside the bundle in the npm package. */
function workerScript(): URL {
  const source = new URL('./discovery-worker.ts', import.meta.url);
  return existsSync(fileURLToPath(source)) ? source : new URL('./discovery-worker.mjs', import.meta.url);
}

export class BackgroundDiscovery {
  #worker: Worker | undefined;
  #next = 0;
  readonly #pending = new Map<number, { resolve: (d: Discovered) => void; reject: (e: Error) => void }>();

  discover(path: string, cacheDir: string | undefined): Promise<Discovered> {
    const worker = this.#start();
    const id = this.#next++;
    return new Promise<Discovered>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, path, cacheDir } satisfies DiscoveryRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
    this.#fail(new Error('discovery stopped'));
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(workerScript());
    worker.on('message', ({ id, found, error }: { id: number; found?: Discovered; error?: string }) => {
      const p = this.#pending.get(id);
      this.#pending.delete(id);
      if (this.#pending.size === 0) worker.unref();
      if (error !== undefined) p?.reject(new Error(error));
      else p?.resolve(found as Discovered);
    });
    worker.on('error', (err) => {
      this.#worker = undefined;
      this.#fail(err);
    });
    worker.on('exit', () => {
      if (this.#worker === worker) this.#worker = undefined;
      this.#fail(new Error('discovery worker exited'));
    });
    this.#worker = worker;
    return worker;
  }

  #fail(err: Error): void {
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
  }
}
