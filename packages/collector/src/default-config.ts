// The pipeline run without --config. Until the capture receiver lands, it replays a recorded
// agent run (testdata/sample.jsonl) through the file exporter, so the first run shows real events.
import { fileURLToPath } from 'node:url';

export const samplePath = fileURLToPath(new URL('../testdata/sample.jsonl', import.meta.url));

export function defaultConfig(cwd = process.cwd()): { yaml: string; dir: string } {
  const yaml = `receivers:
  file:
    path: ${JSON.stringify(samplePath)}
exporters:
  file:
    path: \${env:OISP_EVENTS_FILE:-oisp-events.jsonl}
service:
  pipelines:
    ai:
      receivers: [file]
      exporters: [file]
`;
  return { yaml, dir: cwd };
}
