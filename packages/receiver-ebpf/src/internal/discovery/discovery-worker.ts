// The worker thread discovery runs in: reading a 100 MB binary through takes half a second, which
// the collector's event loop must not wait for (its kernel ring would fill meanwhile).
import { parentPort } from 'node:worker_threads';
import { discoverByStructure } from './discover.ts';

export interface DiscoveryRequest {
  id: number;
  path: string;
  cacheDir?: string;
}

parentPort?.on('message', ({ id, path, cacheDir }: DiscoveryRequest) => {
  try {
    parentPort?.postMessage({ id, found: discoverByStructure(path, cacheDir) });
  } catch (err) {
    parentPort?.postMessage({ id, error: (err as Error).message });
  }
});
