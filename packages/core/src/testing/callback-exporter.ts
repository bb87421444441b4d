// An exporter that hands every batch to a function: for tests, benches and recordings that run a
// real pipeline and want its output in memory (or only counted) instead of on disk.
import { defineExporter, type ExporterFactory } from '../component.ts';
import type { Batch } from '../event.ts';

export function callbackExporter(type: string, onBatch: (batch: Batch) => void): ExporterFactory<Record<string, never>> {
  return defineExporter<Record<string, never>>({
    type,
    stability: 'development',
    capabilities: { mutatesData: false },
    configSchema: { type: 'object', additionalProperties: false },
    createDefaultConfig: () => ({}),
    create: () => ({
      start: async () => {},
      shutdown: async () => {},
      consume: async (batch) => onBatch(batch),
    }),
  });
}
