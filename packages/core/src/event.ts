// The OISP event: one envelope for every event type (OISP 0.1, see DESIGN.md "The event").
// 64-bit kernel values (ns timestamps, inodes, cgroup ids, pointers) are decimal strings.

export const OISP_VERSION = '0.1';

export interface HostInfo {
  hostname: string;
  os?: string;
  os_version?: string;
  arch?: string;
  kernel?: string;
  machine_id?: string;
}

export interface ActorInfo {
  uid?: number;
  user?: string;
}

export interface ProcessInfo {
  pid: number;
  ppid?: number;
  tid?: number;
  exe?: string;
  name?: string;
  cmdline?: string;
  cwd?: string;
  /** Process start time, ns since boot (string): (pid, start_time) is the process key. */
  start_time?: string;
  container_id?: string;
  /** pid inside the process's own pid namespace, when it differs from the host pid. */
  ns_pid?: number;
  /** OTEL_SERVICE_NAME from the process environment, read at exec. */
  service_name?: string;
}

export interface SourceInfo {
  collector: string;
  collector_version?: string;
  capture_method?: string;
  capture_point?: string;
}

export type ConfidenceLevel = 'high' | 'medium' | 'low';
export type Completeness = 'full' | 'partial' | 'metadata_only';

export interface Confidence {
  level: ConfidenceLevel;
  completeness: Completeness;
  reasons?: string[];
}

export interface TraceContext {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  /** How the parent link was made (DESIGN.md "Agent traces and pairing"). */
  link?: 'observed' | 'inferred';
}

export interface RelatedEvent {
  event_id: string;
  relationship: string;
}

export interface OispEvent<T extends string = string, D = any> {
  oisp_version: string;
  event_id: string;
  event_type: T;
  /** RFC 3339 with nanoseconds, UTC. */
  ts: string;
  /** CLOCK_MONOTONIC ns (string), when the event came from the kernel clock. */
  ts_mono?: string;
  host?: HostInfo;
  actor?: ActorInfo;
  process?: ProcessInfo;
  source?: SourceInfo;
  confidence?: Confidence;
  trace_context?: TraceContext;
  related_events?: RelatedEvent[];
  attrs?: Record<string, unknown>;
  data: D;
}

/** A batch is the unit every consumer receives; order within it is meaningful. */
export type Batch = OispEvent[];

// ---- capture.* (internal, between receiver and processor-http) ----

export interface ConnAddress {
  ip: string;
  port: number;
}

export interface ConnInfo {
  /** Stable id of the connection for this capture, unique per (pid, start_time, ssl_ptr|fd, generation). */
  id: string;
  transport: 'tls' | 'tcp';
  generation: number;
  role?: 'client' | 'server';
  pid: number;
  tid?: number;
  fd?: number;
  ssl_ptr?: string;
  lib?: string;
  sni?: string;
  local?: ConnAddress;
  remote?: ConnAddress;
}

export interface CaptureData {
  conn: ConnInfo;
  direction: 'egress' | 'ingress';
  /** Byte offset of data[0] within this direction of this connection. */
  offset: number;
  /** Plaintext bytes; base64 in JSON. */
  data: Uint8Array;
  /** Bytes lost immediately before this chunk (a gap in offsets). */
  bytes_lost?: number;
}

export interface CaptureClose {
  conn: ConnInfo;
  /** Total bytes seen per direction when the connection closed. */
  egress_bytes?: number;
  ingress_bytes?: number;
  reason?: string;
}

export type CaptureDataEvent = OispEvent<'capture.data', CaptureData>;
export type CaptureCloseEvent = OispEvent<'capture.close', CaptureClose>;

/** The event types of DESIGN.md; plugins may add their own (a dotted lower_snake_case name). */
export const EVENT_TYPES = [
  'capture.data',
  'capture.close',
  'http.request',
  'http.response',
  'http.websocket',
  'ai.request',
  'ai.response',
  'ai.embedding',
  'agent.tool_call',
  'agent.tool_result',
  'agent.session',
  'process.exec',
  'process.exit',
  'file.open',
  'file.read',
  'file.write',
  'network.connect',
] as const;

export type KnownEventType = (typeof EVENT_TYPES)[number];

/** Internal types never reach an exporter unless a pipeline sends them there on purpose. */
export function isInternalEventType(type: string): boolean {
  return type.startsWith('capture.') || type.startsWith('http.');
}
