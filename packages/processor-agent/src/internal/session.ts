// One agent session: an agent process (and its descendants) in one conversation. It owns the
// trace id and the invoke_agent span id; model calls and tool calls are spans under it.
import type { OispEvent } from '@oisp/core';
import { newSpanId, newTraceId } from './ids.ts';

export interface ToolWindow {
  callId: string;
  spanId: string;
  name: string;
  /** The call's arguments as text, to tell parallel tools apart by what they ran or touched. */
  argumentsText: string;
  openNs: bigint;
  /** When its result came (event time): events stamped inside [openNs, closeNs] belong to it, whenever they arrive. */
  closeNs?: bigint;
  /** Given up (no result within tool_window_ms). */
  expired?: boolean;
}

export class Session {
  readonly traceId = newTraceId();
  readonly spanId = newSpanId();
  /** The conversation's id when the API gives none: stable for the session, unlike any API's. */
  get derivedConversationId(): string {
    return `oisp-${this.traceId.slice(0, 16)}`;
  }
  readonly rootPid: number;
  readonly name: string;
  framework?: string;
  conversationId?: string;
  /** The event whose envelope the agent.session event copies (the first model call). */
  readonly first: OispEvent;
  readonly startTs: string;
  lastTs: string;
  lastNs: bigint;
  /** Message hashes of the latest request: the next turn of this conversation starts with them. */
  history: string[] = [];
  /** Provider ids of this session's responses (a Responses API previous_response_id names one). */
  readonly responseIds = new Set<string>();
  readonly tools = new Map<string, ToolWindow>();
  /** Processes placed under one tool span (by pid): their later events go there too. */
  readonly toolOfPid = new Map<number, ToolWindow>();
  readonly pids = new Set<number>();
  modelCalls = 0;
  toolCalls = 0;

  constructor(rootPid: number, name: string, first: OispEvent, ns: bigint) {
    this.rootPid = rootPid;
    this.name = name;
    this.first = first;
    this.startTs = first.ts;
    this.lastTs = first.ts;
    this.lastNs = ns;
    this.pids.add(rootPid);
  }

  touch(ts: string, ns: bigint): void {
    if (ns >= this.lastNs) {
      this.lastNs = ns;
      this.lastTs = ts;
    }
  }

  /** How many leading hashes of `hashes` continue this conversation (0: it does not). */
  continues(hashes: string[]): number {
    const h = this.history;
    if (h.length === 0 || hashes.length <= h.length) return 0;
    for (let i = 0; i < h.length; i++) if (h[i] !== hashes[i]) return 0;
    return h.length;
  }

  /** Tool windows that were open at event time `ns`. */
  toolsAt(ns: bigint): ToolWindow[] {
    return [...this.tools.values()].filter((t) => ns >= t.openNs && (t.closeNs === undefined ? !t.expired : ns <= t.closeNs));
  }

  /** Windows still waiting for their result. */
  openTools(): ToolWindow[] {
    return [...this.tools.values()].filter((t) => t.closeNs === undefined && !t.expired);
  }
}
