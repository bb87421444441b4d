// One Resource per observed process, keyed by (pid, start_time): the process the span is about is
// the service, named by its OTEL_SERVICE_NAME when it had one, else by its executable.
import path from 'node:path';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { OispEvent } from '@oisp/core';
import * as sc from './semconv.ts';

export interface DistroInfo {
  name: string;
  version: string;
}

export class ProcessResources {
  readonly #byKey = new Map<string, Resource>();
  readonly #distro: DistroInfo;
  readonly #max: number;

  constructor(distro: DistroInfo, max = 10_000) {
    this.#distro = distro;
    this.#max = max;
  }

  for(event: OispEvent): Resource {
    const p = event.process;
    const key = `${p?.pid ?? 0}:${p?.start_time ?? ''}:${event.host?.hostname ?? ''}`;
    let r = this.#byKey.get(key);
    if (!r) {
      const exeName = p?.exe ? path.basename(p.exe) : p?.name;
      const attrs: Record<string, string | number> = {
        [sc.SERVICE_NAME]: p?.service_name ?? exeName ?? 'unknown_service',
        [sc.TELEMETRY_DISTRO_NAME]: this.#distro.name,
        [sc.TELEMETRY_DISTRO_VERSION]: this.#distro.version,
      };
      if (p?.pid) attrs[sc.PROCESS_PID] = p.pid;
      if (p?.ppid) attrs[sc.PROCESS_PARENT_PID] = p.ppid;
      if (exeName) attrs[sc.PROCESS_EXECUTABLE_NAME] = exeName;
      if (p?.exe) attrs[sc.PROCESS_EXECUTABLE_PATH] = p.exe;
      if (p?.cmdline) attrs[sc.PROCESS_COMMAND_LINE] = p.cmdline;
      if (event.host?.hostname) attrs[sc.HOST_NAME] = event.host.hostname;
      if (event.host?.arch) attrs[sc.HOST_ARCH] = event.host.arch;
      if (p?.container_id) attrs[sc.CONTAINER_ID] = p.container_id;
      r = resourceFromAttributes(attrs);
      if (this.#byKey.size >= this.#max) this.#byKey.delete(this.#byKey.keys().next().value as string);
      this.#byKey.set(key, r);
    }
    return r;
  }
}
