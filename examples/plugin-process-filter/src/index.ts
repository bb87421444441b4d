// oisp-plugin-process-filter: keep, drop or tag events by process name or executable path.
// Load it with `plugins: ["oisp-plugin-process-filter"]` (or a path to this file).
import { processFilterFactory } from './factory.ts';

export { ProcessFilter } from './process-filter.ts';
export { createDefaultConfig, configSchema, type ProcessFilterConfig } from './config.ts';
export default processFilterFactory;
