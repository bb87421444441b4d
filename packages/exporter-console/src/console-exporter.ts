// The `console` exporter: a live view for a person at a terminal. One line per model call (time,
// process, provider, model, latency, time to first token, tokens in/out, cost, finish reason or
// error); the tools each call asked for indented under it, and what ran inside them; at exit, a
// summary per provider and model. Colour and width on a terminal, plain text in a pipe.
import fs from 'node:fs';
import type { AgentSession, AgentToolCall, AiEmbedding, AiRequest, AiResponse, Batch, ComponentSettings, Exporter, OispEvent, ProcessExec } from '@oisp/core';
import type { ConsoleExporterConfig } from './config.ts';
import { CallTotals } from './internal/call-totals.ts';
import { fit, style, type Style } from './internal/style.ts';

interface Output {
  write(text: string): void;
  close(): void;
  tty: boolean;
  width?: number;
}

function openOutput(target: string): Output {
  if (target === 'stdout' || target === 'stderr') {
    const stream = target === 'stdout' ? process.stdout : process.stderr;
    return { write: (t) => void stream.write(t), close: () => {}, tty: stream.isTTY === true, width: stream.isTTY ? stream.columns : undefined };
  }
  const fd = fs.openSync(target, 'a', 0o600);
  return { write: (t) => void fs.writeSync(fd, t), close: () => fs.closeSync(fd), tty: false };
}

/** HH:MM:SS.mmm of an RFC 3339 timestamp, local time. */
function clock(ts: string): string {
  const d = new Date(ts);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function ms(n: number | undefined): string {
  if (n === undefined) return '';
  return n >= 1000 ? `${(n / 1000).toFixed(2)}s` : `${Math.round(n)}ms`;
}

function usd(n: number): string {
  return n >= 0.01 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`;
}

function who(e: OispEvent): string {
  const p = e.process;
  if (!p) return '?';
  const name = p.cmdline ? p.cmdline.split(' ').slice(0, 2).map((a) => a.split('/').pop()).join(' ') : (p.name ?? p.exe?.split('/').pop() ?? 'process');
  return `${name}[${p.pid}]`;
}

export class ConsoleExporter implements Exporter {
  readonly #config: ConsoleExporterConfig;
  readonly #settings: ComponentSettings;
  #out?: Output;
  #s: Style = style(false);
  readonly #requests = new Map<string, OispEvent<'ai.request', AiRequest>>();
  /** Tool spans (from trace_context) -> their tool's name: what runs inside them is shown under them. */
  readonly #toolSpans = new Map<string, string>();
  readonly #totals = new CallTotals();
  #shutDown = false;

  constructor(settings: ComponentSettings, config: ConsoleExporterConfig) {
    this.#settings = settings;
    this.#config = config;
  }

  async start(): Promise<void> {
    this.#out = openOutput(this.#config.output);
    const color = this.#config.color === 'always' || (this.#config.color === 'auto' && this.#out.tty && !process.env.NO_COLOR);
    this.#s = style(color);
  }

  async consume(batch: Batch): Promise<void> {
    for (const e of batch) this.#event(e);
  }

  #line(text: string): void {
    this.#out?.write(fit(text, this.#out.width) + '\n');
  }

  #event(e: OispEvent): void {
    const s = this.#s;
    switch (e.event_type) {
      case 'ai.request': {
        const r = e as OispEvent<'ai.request', AiRequest>;
        this.#requests.set(r.data.request_id, r);
        if (this.#requests.size > 10_000) this.#requests.delete(this.#requests.keys().next().value as string);
        return;
      }
      case 'ai.response':
      case 'ai.embedding':
        return this.#call(e as OispEvent<string, AiResponse & AiEmbedding>);
      case 'agent.tool_call': {
        if (this.#config.verbosity === 'calls') return;
        const c = e as OispEvent<'agent.tool_call', AgentToolCall>;
        if (e.trace_context) this.#toolSpans.set(e.trace_context.span_id, c.data.tool.name);
        const args = typeof c.data.arguments === 'string' ? c.data.arguments : JSON.stringify(c.data.arguments);
        this.#line(`    ${s.cyan('↳ tool')} ${s.bold(c.data.tool.name)} ${s.dim(args)}`);
        return;
      }
      case 'process.exec': {
        if (this.#config.verbosity === 'calls' || !this.#underTool(e)) return;
        this.#line(`        ${s.dim('$')} ${(e.data as ProcessExec).args.join(' ')}`);
        return;
      }
      case 'file.open':
      case 'file.read':
      case 'file.write':
      case 'network.connect': {
        if (this.#config.verbosity !== 'all' || !this.#underTool(e)) return;
        const d = e.data as { path?: string; bytes?: number; dest?: { ip: string; port: number }; success?: boolean };
        const what = d.path ?? (d.dest ? `${d.dest.ip}:${d.dest.port}${d.success === false ? ' (failed)' : ''}` : '');
        this.#line(`        ${s.dim(e.event_type.padEnd(15))} ${what}${d.bytes !== undefined ? s.dim(` ${d.bytes} B`) : ''}`);
        return;
      }
      case 'agent.session': {
        if (this.#config.verbosity === 'calls') return;
        const a = (e as OispEvent<'agent.session', AgentSession>).data;
        this.#line(s.dim(`  session ${a.agent.name}${a.agent.framework ? ` (${a.agent.framework})` : ''} ended (${a.end_reason}): ${a.model_calls} calls, ${a.tool_calls} tools, ${a.processes} processes`));
        return;
      }
    }
  }

  #underTool(e: OispEvent): boolean {
    const parent = e.trace_context?.parent_span_id;
    return parent !== undefined && this.#toolSpans.has(parent);
  }

  #call(e: OispEvent<string, AiResponse & AiEmbedding>): void {
    const s = this.#s;
    const d = e.data;
    const req = this.#requests.get(d.request_id);
    this.#requests.delete(d.request_id);
    const start = req?.ts ?? e.ts;
    const model = d.model?.id ?? req?.data.model?.id ?? '?';
    const parts = [s.dim(clock(start)), who(req ?? e), s.bold(`${d.provider.name} ${model}`)];
    if (req?.data.request_type && !['chat', 'responses', 'completion', 'embedding'].includes(req.data.request_type)) parts.push(s.dim(req.data.request_type));
    parts.push(ms(d.latency_ms));
    if (d.time_to_first_token_ms !== undefined) parts.push(s.dim(`ttft ${ms(d.time_to_first_token_ms)}`));
    if (d.usage) parts.push(`in ${d.usage.prompt_tokens ?? '?'} out ${d.usage.completion_tokens ?? (e.event_type === 'ai.embedding' ? 0 : '?')}`);
    if (d.cost) parts.push(s.yellow(usd(d.cost.total_usd)));
    if (d.success === false) {
      const err = d.error ? `${d.status_code} ${d.error.type ?? d.error.code ?? ''}${d.error.message ? `: ${d.error.message}` : ''}` : String(d.status_code);
      parts.push(s.red(err.trim()));
    } else if (e.event_type === 'ai.embedding') parts.push(s.green(`${d.input_count ?? '?'} inputs × ${d.dimensions ?? '?'} dims`));
    else if (d.finish_reason) parts.push(d.finish_reason === 'stop' || d.finish_reason === 'tool_calls' ? s.green(d.finish_reason) : s.yellow(d.finish_reason));
    this.#line(parts.filter(Boolean).join('  '));
    this.#totals.add(d.provider.name, model, { success: d.success !== false, input: d.usage?.prompt_tokens, output: d.usage?.completion_tokens, cost: d.cost?.total_usd });
  }

  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    if (!this.#out) return;
    const rows = this.#totals.rows();
    if (this.#config.summary && rows.length > 0) {
      const s = this.#s;
      this.#line(s.bold('summary'));
      let calls = 0;
      let cost = 0;
      for (const [provider, model, t] of rows) {
        calls += t.calls;
        cost += t.cost;
        const price = t.calls === t.unpriced ? s.dim('cost unknown') : `${usd(t.cost)}${t.unpriced ? s.dim(` (+${t.unpriced} unpriced)`) : ''}`;
        this.#line(`  ${provider} ${model}: ${t.calls} calls${t.errors ? s.red(` (${t.errors} failed)`) : ''}, ${t.input} in / ${t.output} out tokens, ${price}`);
      }
      this.#line(`  total: ${calls} calls, ${usd(cost)}`);
    }
    this.#out.close();
    this.#settings.logger.debug('console closed');
  }
}
