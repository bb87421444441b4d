// The pipeline run without --config: capture every AI call on this host, decode it, rebuild agent
// traces, show them on the console and write OISP JSONL (./oisp-events.jsonl, or $OISP_EVENTS_FILE)
// — and OTLP spans too when OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT) is set, as any OTel
// SDK would.
import { fileURLToPath } from 'node:url';

/** A recorded agent run (python agent, OpenAI, a tool call, the `ls` it ran), for replays and tests. */
export const samplePath = fileURLToPath(new URL('../testdata/sample.jsonl', import.meta.url));

export function defaultConfig(cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): { yaml: string; dir: string } {
  const otlp = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const yaml = `receivers:
  ebpf: {}
processors:
  http: {}
  providers: {}
  agent: {}
exporters:
  console: {}
  file:
    path: \${env:OISP_EVENTS_FILE:-oisp-events.jsonl}
${otlp ? '  otlp: {}\n' : ''}service:
  pipelines:
    ai:
      receivers: [ebpf]
      processors: [http, providers, agent]
      exporters: [console, file${otlp ? ', otlp' : ''}]
`;
  return { yaml, dir: cwd };
}
