// The built-in components of this distribution (like otelcol-contrib's components.go).
import type { Factory } from '@oisp/core';
import consoleExporter from '@oisp/exporter-console';
import fileComponents from '@oisp/exporter-file';
import otlpExporter from '@oisp/exporter-otlp';
import agentProcessor from '@oisp/processor-agent';
import httpProcessor from '@oisp/processor-http';
import providersProcessor from '@oisp/processor-providers';
import ebpfReceiver from '@oisp/receiver-ebpf';

function withPackage(pkg: string, factories: Factory | Factory[]): Factory[] {
  return (Array.isArray(factories) ? factories : [factories]).map((f) => ({ ...f, package: pkg }));
}

export function builtinFactories(): Factory[] {
  return [
    ...withPackage('@oisp/receiver-ebpf', ebpfReceiver),
    ...withPackage('@oisp/exporter-file', fileComponents),
    ...withPackage('@oisp/exporter-console', consoleExporter),
    ...withPackage('@oisp/exporter-otlp', otlpExporter),
    ...withPackage('@oisp/processor-http', httpProcessor),
    ...withPackage('@oisp/processor-providers', providersProcessor),
    ...withPackage('@oisp/processor-agent', agentProcessor),
  ];
}
