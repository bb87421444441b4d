// The `agent` processor: the only place that pairs and parents (DESIGN.md "Agent traces and
// pairing"). It gives every event of an agent session its trace_context:
//   invoke_agent (the session: an agent process tree in one conversation)
//     ├─ one span per model call          ai.request + ai.response / ai.embedding share it
//     └─ one execute_tool span per call   agent.tool_call + agent.tool_result share it
//          └─ process/file/network events of the session's tree inside the tool's window
// Each parent link says how it was made: `observed` (the process tree and the time window say so)
// or `inferred` (paired from message history only). Events outside every session pass untouched.
import {
  deriveEvent,
  parseTimestamp,
  type AgentSession,
  type AgentToolCall,
  type AgentToolResult,
  type AiRequest,
  type AiResponse,
  type Batch,
  type ComponentSettings,
  type Consumer,
  type OispEvent,
  type Processor,
  type ProcessExec,
  type TraceContext,
} from '@oisp/core';
import type { AgentProcessorConfig } from './config.ts';
import { agentName } from './internal/agent-name.ts';
import { newSpanId } from './internal/ids.ts';
import { ProcessTree } from './internal/process-tree.ts';
import { Session, type ToolWindow } from './internal/session.ts';

/** Model calls remembered at most (their sessions forget them sooner, when they end). */
const MAX_CALLS = 100_000;
/** Local-endpoint calls remembered for proxy pairing, and how long after one its upstream leg may come. */
const MAX_LOCAL_LEGS = 1000;
const PROXY_WINDOW_NS = 60_000_000_000n;

const SYSTEM_TYPES = new Set(['process.exec', 'process.exit', 'file.open', 'file.read', 'file.write', 'network.connect']);

interface CallSpan {
  session: Session;
  spanId: string;
}

export class AgentProcessor implements Processor {
  readonly #settings: ComponentSettings;
  readonly #config: AgentProcessorConfig;
  readonly #next: Consumer;
  readonly #tree: ProcessTree;
  /** Sessions by root pid (a root may hold several conversations at once). */
  readonly #byRoot = new Map<number, Session[]>();
  /** Sessions in order of last activity (Map order), for idle expiry and eviction. */
  readonly #active = new Set<Session>();
  /** Model-call spans by request_id, kept while their session lasts: tool calls and results name them. */
  readonly #calls = new Map<string, CallSpan>();
  #out: OispEvent[] = [];
  #latestNs = 0n;
  /** Calls to a local endpoint (a proxy, a gateway) by what they asked: the same call leaving the proxy is their upstream leg. */
  readonly #localLegs = new Map<string, { event: OispEvent<'ai.request', AiRequest>; ns: bigint }>();

  constructor(settings: ComponentSettings, config: AgentProcessorConfig, next: Consumer) {
    this.#settings = settings;
    this.#config = config;
    this.#next = next;
    this.#tree = new ProcessTree(config.max_processes);
  }

  get sessions(): number {
    return this.#active.size;
  }

  async start(): Promise<void> {}

  async consume(batch: Batch): Promise<void> {
    const out = this.process(batch);
    if (out.length > 0) await this.#next.consume(out);
  }

  process(batch: Batch): OispEvent[] {
    this.#out = [];
    for (const event of batch) {
      const ns = safeNs(event.ts);
      if (ns > this.#latestNs) this.#latestNs = ns;
      this.#observeProcess(event);
      // Already placed in a trace (a replay of processed output, or a source that traces itself): kept as is.
      if (event.trace_context) {
        this.#out.push(event);
        continue;
      }
      switch (event.event_type) {
        case 'ai.request':
          this.#onRequest(event as OispEvent<'ai.request', AiRequest>, ns);
          break;
        case 'ai.response':
        case 'ai.embedding':
          this.#onResponse(event as OispEvent<string, AiResponse>, ns);
          break;
        case 'agent.tool_call':
          this.#onToolCall(event as OispEvent<'agent.tool_call', AgentToolCall>, ns);
          break;
        case 'agent.tool_result':
          this.#onToolResult(event as OispEvent<'agent.tool_result', AgentToolResult>, ns);
          break;
        default:
          if (SYSTEM_TYPES.has(event.event_type)) this.#onSystem(event, ns);
      }
      this.#out.push(event);
      if (event.event_type === 'process.exit' && event.process) this.#onExit(event.process.pid);
    }
    this.#expire();
    const out = this.#out;
    this.#out = [];
    return out;
  }

  async shutdown(): Promise<void> {
    for (const s of [...this.#active]) this.#end(s, 'shutdown');
    if (this.#out.length > 0) {
      const out = this.#out;
      this.#out = [];
      await this.#next.consume(out);
    }
  }

  #observeProcess(event: OispEvent): void {
    const p = event.process;
    if (!p?.pid) return;
    if (event.event_type === 'process.exec') {
      const d = event.data as ProcessExec;
      this.#tree.observe(p.pid, { ppid: d.ppid, exe: d.exe, args: d.args, name: p.name }, true);
    } else {
      this.#tree.observe(p.pid, { ppid: p.ppid, exe: p.exe, name: p.name });
    }
  }

  /** The session root a pid belongs to: the nearest ancestor (or itself) with sessions. */
  #rootOf(pid: number): number | undefined {
    return this.#tree.findAncestor(pid, (p) => (this.#byRoot.get(p)?.length ?? 0) > 0);
  }

  #onRequest(event: OispEvent<'ai.request', AiRequest>, ns: bigint): void {
    // Without a process (a replayed file that lost it) every call shares one unknown root, pid 0.
    const pid = event.process?.pid ?? 0;
    const d = event.data;
    const hashes = (d.messages ?? []).map((m) => m.content_hash ?? '');
    if (this.#proxyLeg(event, hashes, ns)) return;
    const root = this.#rootOf(pid) ?? pid;
    const session = this.#sessionFor(root, event, hashes, ns);
    if (d.messages && d.messages.length > 0) session.history = hashes;
    session.modelCalls++;
    // One conversation id on every turn: the API's own when it has one, else the session's.
    d.conversation = { conversation_id: session.conversationId ?? session.derivedConversationId, turn_number: session.modelCalls };
    session.touch(event.ts, ns);
    if (!session.framework && d.agent?.framework) session.framework = d.agent.framework;
    const spanId = newSpanId();
    this.#calls.set(d.request_id, { session, spanId });
    if (this.#calls.size > MAX_CALLS) this.#calls.delete(this.#calls.keys().next().value as string);
    // A model call in a session is observed: the session is this process's own conversation.
    event.trace_context = { trace_id: session.traceId, span_id: spanId, parent_span_id: session.spanId, link: 'observed' };
  }

  /**
   * A call that went through a local proxy is captured twice: the client's request to the proxy,
   * and the proxy's request upstream, asking the same thing. The upstream leg is linked to the
   * client's (related_events, and its span under the client's call), never a model call of its own.
   */
  #proxyLeg(event: OispEvent<'ai.request', AiRequest>, hashes: string[], ns: bigint): boolean {
    const d = event.data;
    if (hashes.length === 0) return false;
    const key = `${d.model?.id ?? ''}|${hashes.join(',')}`;
    const endpoint = d.provider.endpoint ?? '';
    if (/^(?:localhost|127\.\d+\.\d+\.\d+|\[?::1\]?)(?::\d+)?$/.test(endpoint)) {
      this.#localLegs.set(key, { event, ns });
      if (this.#localLegs.size > MAX_LOCAL_LEGS) this.#localLegs.delete(this.#localLegs.keys().next().value as string);
      return false;
    }
    const local = this.#localLegs.get(key);
    if (!local || local.event.process?.pid === event.process?.pid || ns - local.ns > PROXY_WINDOW_NS) return false;
    const call = this.#calls.get(local.event.data.request_id);
    if (!call) return false;
    this.#localLegs.delete(key);
    const spanId = newSpanId();
    this.#calls.set(d.request_id, { session: call.session, spanId });
    event.related_events = [...(event.related_events ?? []), { event_id: local.event.event_id, relationship: 'proxied_from' }];
    event.attrs = { ...event.attrs, 'oisp.proxy_leg': 'upstream' };
    // Paired by what the two requests asked, not by anything the kernel saw: inferred.
    event.trace_context = { trace_id: call.session.traceId, span_id: spanId, parent_span_id: call.spanId, link: 'inferred' };
    this.#settings.telemetry.add('proxy_legs_linked', 1);
    return true;
  }

  /**
   * Which of the root's sessions this request continues: an explicit conversation id, a Responses
   * API previous_response_id, or message history (its messages start with a session's last
   * request's messages); else a new session. A request without messages (embeddings, model
   * lists) joins the root's most recently active session.
   */
  #sessionFor(root: number, event: OispEvent<'ai.request', AiRequest>, hashes: string[], ns: bigint): Session {
    const sessions = this.#byRoot.get(root) ?? [];
    const convId = event.data.conversation?.conversation_id;
    let found: Session | undefined;
    if (convId) found = sessions.find((s) => s.conversationId === convId || s.responseIds.has(convId));
    if (!found && hashes.length > 0) {
      let best = 0;
      for (const s of sessions) {
        const n = s.continues(hashes);
        if (n > best) [best, found] = [n, s];
      }
    }
    if (!found && hashes.length === 0) found = [...sessions].sort((a, b) => (a.lastNs < b.lastNs ? 1 : -1))[0];
    if (found) {
      this.#active.delete(found);
      this.#active.add(found);
      if (convId && !found.conversationId && !found.responseIds.has(convId)) found.conversationId = convId;
      return found;
    }
    const node = this.#tree.get(root);
    const session = new Session(root, agentName(node, event.process ?? {}), event, ns);
    if (convId) session.conversationId = convId;
    if (event.data.agent?.framework) session.framework = event.data.agent.framework;
    sessions.push(session);
    this.#byRoot.set(root, sessions);
    this.#active.add(session);
    this.#settings.telemetry.add('sessions_started', 1);
    if (this.#active.size > this.#config.max_sessions) {
      const oldest = this.#active.values().next().value as Session;
      this.#end(oldest, 'evicted');
      this.#settings.telemetry.dropped('session_evicted', 1);
    }
    return session;
  }

  #onResponse(event: OispEvent<string, AiResponse>, ns: bigint): void {
    const call = this.#calls.get(event.data.request_id);
    if (!call) {
      this.#settings.telemetry.add('responses_without_request', 1);
      return;
    }
    call.session.touch(event.ts, ns);
    if (event.data.provider_request_id) call.session.responseIds.add(event.data.provider_request_id);
    event.trace_context = { trace_id: call.session.traceId, span_id: call.spanId, parent_span_id: call.session.spanId, link: 'observed' };
  }

  #onToolCall(event: OispEvent<'agent.tool_call', AgentToolCall>, ns: bigint): void {
    // The tool call's response has just been seen (it comes right after it): find its session.
    const session = this.#sessionOfRequest(event.data.request_id, event.process?.pid ?? 0);
    if (!session) return;
    const args = event.data.arguments;
    const window: ToolWindow = {
      callId: event.data.call_id,
      spanId: newSpanId(),
      name: event.data.tool.name,
      argumentsText: typeof args === 'string' ? args : JSON.stringify(args ?? ''),
      openNs: ns,
    };
    session.tools.set(window.callId, window);
    session.toolCalls++;
    session.touch(event.ts, ns);
    event.trace_context = { trace_id: session.traceId, span_id: window.spanId, parent_span_id: session.spanId, link: 'observed' };
  }

  #onToolResult(event: OispEvent<'agent.tool_result', AgentToolResult>, ns: bigint): void {
    const session = this.#sessionOfRequest(event.data.request_id, event.process?.pid ?? 0);
    if (!session) return;
    const window = session.tools.get(event.data.call_id);
    session.touch(event.ts, ns);
    if (window) window.closeNs = ns;
    else this.#settings.telemetry.add('tool_results_without_call', 1);
    // Paired with its call by call id, from the message history: inferred.
    event.trace_context = { trace_id: session.traceId, span_id: window?.spanId ?? newSpanId(), parent_span_id: session.spanId, link: 'inferred' };
  }

  #sessionOfRequest(requestId: string, pid: number): Session | undefined {
    const call = this.#calls.get(requestId);
    if (call) return call.session;
    // A call we never saw the request of (started before us): the root's most recent session.
    this.#settings.telemetry.add('tool_events_without_request', 1);
    const root = this.#rootOf(pid) ?? pid;
    return [...(this.#byRoot.get(root) ?? [])].sort((a, b) => (a.lastNs < b.lastNs ? 1 : -1))[0];
  }

  /** A process, file or network event: under the tool whose window it falls in, else the session. */
  #onSystem(event: OispEvent, ns: bigint): void {
    const pid = event.process?.pid;
    if (!pid) return;
    const root = this.#rootOf(pid);
    if (root === undefined) return;
    const sessions = this.#byRoot.get(root)!;
    const placed = this.#placeInTool(sessions, pid, event, ns);
    if (placed) {
      const [session, window] = placed;
      session.pids.add(pid);
      session.touch(event.ts, ns);
      event.trace_context = { trace_id: session.traceId, span_id: newSpanId(), parent_span_id: window.spanId, link: 'observed' };
      return;
    }
    // In the tree but in no tool's window: under the session, when there is only one to choose.
    const live = sessions.filter((s) => this.#active.has(s));
    if (live.length !== 1) {
      this.#settings.telemetry.add('system_events_ambiguous', 1);
      return;
    }
    live[0].pids.add(pid);
    live[0].touch(event.ts, ns);
    event.trace_context = { trace_id: live[0].traceId, span_id: newSpanId(), parent_span_id: live[0].spanId, link: 'observed' };
  }

  /**
   * The tool window an event belongs to. A process already placed stays with its tool (and so do
   * its children); otherwise among the open windows of the root's sessions: the only one, or the one
   * whose arguments name what the event ran or touched (parallel tools, concurrent conversations).
   */
  #placeInTool(sessions: Session[], pid: number, event: OispEvent, ns: bigint): [Session, ToolWindow] | undefined {
    for (const s of sessions) {
      const placedPid = this.#tree.findAncestor(pid, (p) => s.toolOfPid.has(p));
      if (placedPid !== undefined) {
        const w = s.toolOfPid.get(placedPid)!;
        if (w.closeNs === undefined || ns <= w.closeNs || pid !== s.rootPid) return [s, w];
      }
    }
    const open: [Session, ToolWindow][] = [];
    for (const s of sessions) for (const w of s.toolsAt(ns)) open.push([s, w]);
    if (open.length === 0) return undefined;
    let chosen: [Session, ToolWindow] | undefined;
    if (open.length === 1) chosen = open[0];
    else {
      const clues = clueStrings(event);
      const matching = open.filter(([, w]) => clues.some((c) => c.length >= 2 && w.argumentsText.includes(c)));
      if (matching.length === 1) chosen = matching[0];
    }
    if (!chosen) {
      this.#settings.telemetry.add('system_events_ambiguous', 1);
      return undefined;
    }
    // A new process (not the agent itself) belongs to this tool from now on, with its children.
    if (event.event_type === 'process.exec' && pid !== chosen[0].rootPid) chosen[0].toolOfPid.set(pid, chosen[1]);
    return chosen;
  }

  #onExit(pid: number): void {
    this.#tree.exit(pid);
    for (const s of this.#byRoot.get(pid) ?? []) this.#end(s, 'exit');
  }

  /** Sessions idle past session_idle_ms and tool windows open past tool_window_ms (event time). */
  #expire(): void {
    const idle = this.#latestNs - BigInt(this.#config.session_idle_ms) * 1_000_000n;
    const toolLimit = this.#latestNs - BigInt(this.#config.tool_window_ms) * 1_000_000n;
    for (const s of [...this.#active]) {
      if (s.lastNs < idle) this.#end(s, 'idle');
      else for (const w of s.openTools()) if (w.openNs < toolLimit) {
        w.expired = true;
        this.#settings.telemetry.add('tool_windows_expired', 1);
      }
    }
  }

  #end(session: Session, reason: AgentSession['end_reason']): void {
    if (!this.#active.delete(session)) return;
    const list = (this.#byRoot.get(session.rootPid) ?? []).filter((s) => s !== session);
    if (list.length) this.#byRoot.set(session.rootPid, list);
    else this.#byRoot.delete(session.rootPid);
    for (const [id, call] of this.#calls) if (call.session === session) this.#calls.delete(id);
    const data: AgentSession = {
      agent: { name: session.name, ...(session.framework ? { framework: session.framework } : {}) },
      root_pid: session.rootPid,
      start_ts: session.startTs,
      end_ts: session.lastTs,
      end_reason: reason,
      model_calls: session.modelCalls,
      tool_calls: session.toolCalls,
      processes: session.pids.size,
    };
    data.conversation_id = session.conversationId ?? session.derivedConversationId;
    const trace_context: TraceContext = { trace_id: session.traceId, span_id: session.spanId };
    this.#out.push(deriveEvent(session.first, 'agent.session', data, { ts: session.startTs, trace_context, confidence: undefined }));
    this.#settings.telemetry.add('sessions_ended', 1, { reason });
  }
}

/** What a system event names: the command it ran, the file it touched, the host it dialled. */
function clueStrings(event: OispEvent): string[] {
  const d = event.data as Record<string, unknown>;
  const clues: string[] = [];
  if (event.event_type === 'process.exec') {
    const args = (d.args as string[] | undefined) ?? [];
    clues.push(...args.slice(1).filter((a) => !a.startsWith('-')));
    if (args.length > 1) clues.push(args.slice(1).join(' '));
  }
  if (typeof d.path === 'string') {
    clues.push(d.path);
    const base = d.path.split('/').pop();
    if (base) clues.push(base);
  }
  const dest = d.dest as { ip?: string; domain?: string; port?: number } | undefined;
  if (dest?.domain) clues.push(dest.domain);
  if (dest?.ip) clues.push(dest.ip);
  return clues;
}

function safeNs(ts: string): bigint {
  try {
    return parseTimestamp(ts);
  } catch {
    return 0n;
  }
}
