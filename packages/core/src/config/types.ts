// The collector's configuration once loaded: env expanded, files merged, defaults filled, validated.
import type { ComponentKind, Factory } from '../component.ts';

export interface PipelineConfig {
  receivers: string[];
  processors: string[];
  exporters: string[];
}

export interface TelemetryConfig {
  logs: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'; format?: 'auto' | 'json' | 'pretty' };
  /** Prometheus text on http://<address>/metrics; off when absent. Loopback by default when set. */
  metrics: { address?: string };
}

export interface ServiceConfig {
  pipelines: Record<string, PipelineConfig>;
  telemetry: TelemetryConfig;
  /** How long shutdown may take before the collector gives up waiting and exits non-zero. */
  shutdown_timeout_ms: number;
}

export interface CollectorConfig {
  plugins: string[];
  receivers: Record<string, unknown>;
  processors: Record<string, unknown>;
  exporters: Record<string, unknown>;
  service: ServiceConfig;
}

/** Where the service finds a factory for a component type. */
export interface FactoryLookup {
  get(kind: ComponentKind, type: string): Factory | undefined;
  list(): Factory[];
}

/** `type` or `type/name` -> type. */
export function componentType(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}
