// @oisp/core: what plugin authors and distributions need. Nothing here knows a built-in component.
export * from './event.ts';
export * from './event-builder.ts';
export * from './event-json.ts';
export * from './component.ts';
export type * from './telemetry.ts';
export type * from './events/http.ts';
export type * from './events/ai.ts';
export type * from './events/system.ts';
export * from './schema/index.ts';
export * from './service/index.ts';
export * from './telemetry/index.ts';
export * from './logging.ts';
