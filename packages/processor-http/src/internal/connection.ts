// One captured connection: both directions reassembled and parsed, its role (which side sends
// requests), and the strict in-order pairing of requests with responses.
import { deriveEvent } from '@oisp/core';
import type { CaptureData, ComponentTelemetry, ConnInfo, HttpHeaders, HttpRequest, HttpResponse, OispEvent } from '@oisp/core';
import { Http1Parser, type BodyFraming, type MessageHead, type ParserHandler } from './http1-parser.ts';
import { CLIENT_PREFACE } from './http2-frames.ts';
import { Http2Session, looksLikeHttp2, type Http2Handler } from './http2-session.ts';
import { grpcCall } from './grpc-messages.ts';
import { MessageBuilder, type BuilderLimits } from './message-builder.ts';
import type { MemoryAccount } from './memory-account.ts';
import { Reassembler, type ChunkOrigin } from './reassembler.ts';
import { WebSocketOutbox } from './websocket-outbox.ts';
import { isWebSocketUpgrade, WebSocketSession } from './websocket-session.ts';

export type Direction = 'egress' | 'ingress';
type Origin = ChunkOrigin<OispEvent>;

export interface ConnectionOptions {
  maxBodyBytes: number;
  maxHeaderBytes: number;
  /** Out-of-order bytes one direction may hold while it waits for a hole to fill. */
  maxReorderBytes: number;
  /** Most requests waiting for their responses (pipelining depth). */
  maxPendingExchanges: number;
  decodeServerSide: boolean;
  memory: MemoryAccount;
  telemetry: ComponentTelemetry;
  /** Where http.* events go (the processor's output batch). */
  emit(event: OispEvent): void;
}

interface Exchange {
  n: number;
  method?: string;
  url?: string;
  host?: string;
  requestEmitted: boolean;
  /** A response that ended before its request did waits here, so a request always comes first. */
  heldResponse: OispEvent | null;
  /** The held response's builder: its bytes stay in the memory account until it goes out. */
  heldMessage?: MessageBuilder<OispEvent>;
}

/** An open WebSocket: its frames read by the session, its messages waiting in the outbox for the batch's end. */
interface OpenWebSocket {
  session: WebSocketSession<OispEvent>;
  outbox: WebSocketOutbox;
}

interface H2Stream {
  exchange: Exchange;
  messages: Partial<Record<Direction, MessageBuilder<OispEvent>>>;
  unresolved: Partial<Record<Direction, number>>;
  responseEnded?: boolean;
  /** The request was an extended CONNECT for a WebSocket (RFC 8441). */
  websocketAsked?: boolean;
  /** Set once its 2xx came (and went out): the stream's DATA is WebSocket frames. */
  ws?: OpenWebSocket;
}

interface Side {
  reassembler: Reassembler<OispEvent>;
  parser: Http1Parser<OispEvent>;
  /** No byte of this direction has been seen yet: the protocol is decided on the first ones. */
  fresh: boolean;
  message: MessageBuilder<OispEvent> | null;
  /** The exchange the message in flight belongs to (null for an interim 1xx response). */
  exchange: Exchange | null;
}

export class Connection {
  readonly id: string;
  conn: ConnInfo;
  /** Event time (ms) of the last chunk, for the idle timeout and eviction. */
  lastActivityMs: number;
  /** client: the captured process sends the requests; server: it receives them. */
  role: 'client' | 'server' | undefined;
  /** Given up (bad input, skipped server side, tunnel): data is ignored until close. */
  skipped = false;
  readonly #opts: ConnectionOptions;
  readonly #sides: Record<Direction, Side>;
  #pending: Exchange[] = [];
  #sequence = 0;
  readonly #builderLimits: BuilderLimits;
  /** Set once the connection is known to speak HTTP/2: its streams, each an exchange. */
  #h2: Http2Session<OispEvent> | null = null;
  readonly #h2Streams = new Map<number, H2Stream>();
  #protocolDecided = false;
  /** Set after a 101 to WebSocket (the 101 has gone out): both directions are frames from here on. */
  #ws: OpenWebSocket | null = null;

  constructor(conn: ConnInfo, nowMs: number, opts: ConnectionOptions) {
    this.id = conn.id;
    this.conn = conn;
    this.lastActivityMs = nowMs;
    this.#opts = opts;
    this.#builderLimits = {
      maxBodyBytes: opts.maxBodyBytes,
      memory: opts.memory,
      onMemoryLimit: () => opts.telemetry.add('bodies_cut_at_memory_limit'),
    };
    this.#sides = { egress: this.#makeSide('egress'), ingress: this.#makeSide('ingress') };
  }

  /** Bytes held by this connection's parsers, messages and reorder buffers. */
  get heldBytes(): number {
    let n = 0;
    for (const side of Object.values(this.#sides)) {
      n += side.reassembler.pendingBytes + side.parser.heldBytes + (side.message?.heldBytes ?? 0);
    }
    for (const ex of this.#pending) n += ex.heldMessage?.heldBytes ?? 0;
    if (this.#ws) n += this.#ws.session.heldBytes + this.#ws.outbox.heldBytes;
    if (this.#h2) {
      n += this.#h2.heldBytes;
      for (const st of this.#h2Streams.values()) {
        for (const m of Object.values(st.messages)) n += m?.heldBytes ?? 0;
        if (st.ws) n += st.ws.session.heldBytes + st.ws.outbox.heldBytes;
      }
    }
    return n;
  }

  data(event: OispEvent<'capture.data', CaptureData>, nowMs: number): void {
    this.lastActivityMs = nowMs;
    if (this.skipped) return;
    const d = event.data;
    this.conn = d.conn;
    const side = this.#sides[d.direction === 'ingress' ? 'ingress' : 'egress'];
    side.reassembler.push(d.offset, d.data, { event, ts: event.ts }, d.bytes_lost ?? 0);
  }

  /** End of batch: holes still open are losses, and the WebSocket messages completed in it go out. */
  flush(): void {
    if (this.skipped) return;
    this.#sides.egress.reassembler.flush();
    if (this.skipped) return;
    this.#sides.ingress.reassembler.flush();
    if (this.skipped) return;
    if (this.#ws) this.#sendMessages(this.#ws);
    for (const st of this.#h2Streams.values()) if (st.ws) this.#sendMessages(st.ws);
  }

  #sendMessages(ws: OpenWebSocket): void {
    const event = ws.outbox.take(this.conn);
    if (event) this.#opts.emit(event);
  }

  /** The connection is gone: close-delimited bodies end, anything else in flight is aborted. */
  close(event: OispEvent): void {
    if (!this.skipped) {
      const origin: Origin = { event, ts: event.ts };
      this.flush();
      // Requests first, so an aborted request comes out before a response waiting for it.
      if (this.#ws) this.#endWebSocket(origin);
      else if (this.#h2) this.#h2.close(origin);
      else {
        for (const direction of this.#requestDirectionFirst()) {
          if (this.skipped) break;
          this.#sides[direction].parser.close(origin);
        }
      }
      for (const ex of this.#pending) this.#emitHeld(ex);
    }
    this.#dropAll();
  }

  #requestDirectionFirst(): Direction[] {
    return this.role === 'server' ? ['ingress', 'egress'] : ['egress', 'ingress'];
  }

  #makeSide(direction: Direction): Side {
    const side = {} as Side;
    const handler: ParserHandler<OispEvent> = {
      head: (head, first, last) => this.#onHead(direction, side, head, first, last),
      body: (bytes, origin) => side.message?.body(bytes, origin),
      end: (origin, trailers) => this.#onEnd(side, origin, trailers),
      abort: (lost, origin) => this.#onAbort(side, lost, origin),
      headLost: () => this.#onHeadLost(direction, side),
      error: (kind, detail) => this.#giveUp(kind, detail),
      tunnel: (bytes, origin) => {
        if (this.#ws && bytes.length > 0) this.#feedWebSocket(direction, bytes, origin);
      },
    };
    side.parser = new Http1Parser(handler, this.#opts.memory, this.#opts.maxHeaderBytes);
    side.reassembler = new Reassembler<OispEvent>(
      {
        data: (bytes, origin) => {
          if (this.#ws) return this.#feedWebSocket(direction, bytes, origin);
          if (side.fresh) this.#decideProtocol(direction, side, bytes);
          if (this.#h2) this.#h2.feed(direction, bytes, origin);
          else side.parser.feed(bytes, origin);
        },
        gap: (lost, origin) => {
          this.#opts.telemetry.add('bytes_lost', lost);
          side.fresh = false;
          if (this.#ws) this.#ws.session.gap(direction, lost, origin);
          else if (this.#h2) this.#h2.gap(direction, lost, origin);
          else side.parser.gap(lost, origin);
        },
      },
      this.#opts.memory,
      this.#opts.maxReorderBytes,
    );
    side.message = null;
    side.exchange = null;
    side.fresh = true;
    return side;
  }

  /**
   * HTTP/1 or HTTP/2, from the first bytes: the client preface opens a connection seen from its
   * start; frames where a request or status line should be mean the capture joined an HTTP/2
   * connection already open (its header tables then start partial).
   */
  #decideProtocol(direction: Direction, side: Side, bytes: Uint8Array): void {
    side.fresh = false;
    if (this.#protocolDecided) return;
    this.#protocolDecided = true;
    const prefix = Buffer.from(bytes.subarray(0, Math.min(bytes.length, CLIENT_PREFACE.length)));
    const preface = prefix.length >= 4 && CLIENT_PREFACE.subarray(0, prefix.length).equals(prefix);
    if (!preface && !looksLikeHttp2(bytes)) return;
    this.#opts.telemetry.add(preface ? 'http2_connections' : 'http2_connections_joined_mid_way');
    for (const s of Object.values(this.#sides)) s.parser.kill();
    this.#h2 = new Http2Session(this.#h2Handler(), preface ? { fromStart: true, clientDirection: direction, account: this.#opts.memory } : { fromStart: false, account: this.#opts.memory });
    if (preface) this.#setH2Role(direction);
  }

  #setH2Role(requestDirection: Direction): void {
    if (this.role !== undefined) return;
    this.role = requestDirection === 'egress' ? 'client' : 'server';
    if (this.role === 'server' && !this.#opts.decodeServerSide) {
      this.#opts.telemetry.add('server_side_connections_skipped');
      this.#skip();
    }
  }

  #h2Handler(): Http2Handler<OispEvent> {
    const t = this.#opts.telemetry;
    return {
      role: (dir) => this.#setH2Role(dir),
      count: (name, n = 1) => t.add(name, n),
      error: (kind, detail) => t.error(kind, { conn: this.id, detail }),
      head: (stream, dir, head, first, last, unresolved) => {
        if (this.skipped) return false;
        let st = this.#h2Streams.get(stream);
        if (!st) {
          const exchange: Exchange = { n: stream, requestEmitted: head.kind === 'response', heldResponse: null };
          if (head.kind === 'response') t.add('responses_without_request');
          st = { exchange, messages: {}, unresolved: {} };
          this.#h2Streams.set(stream, st);
          this.#pending.push(exchange);
        }
        if (head.kind === 'request') {
          st.exchange.method = head.method;
          st.exchange.url = head.url;
          st.websocketAsked = head.method === 'CONNECT' && head.headers[':protocol']?.[0]?.toLowerCase() === 'websocket';
          st.exchange.host = head.headers[':authority']?.[0] ?? head.headers.host?.[0] ?? this.conn.sni ?? (this.conn.remote ? `${this.conn.remote.ip}:${this.conn.remote.port}` : undefined);
        }
        if (!this.#reserveHead(head)) return false;
        const length = contentLength(head.headers);
        // A second head for a message still open (bad input): the first is dropped, not leaked.
        st.messages[dir]?.release();
        st.messages[dir] = new MessageBuilder(head, first, last, head.kind === 'response', this.#builderLimits, typeof length === 'number' ? length : 0);
        if (unresolved > 0) st.unresolved[dir] = unresolved;
        if (st.websocketAsked) this.#h2WebSocketHead(st, dir, head, last);
        return true;
      },
      body: (stream, dir, bytes, origin) => {
        const st = this.#h2Streams.get(stream);
        if (!st?.ws) return st?.messages[dir]?.body(bytes, origin);
        st.ws.outbox.saw(origin);
        st.ws.session.feed(dir, bytes, origin);
        if (st.ws.session.closedBothWays) this.#endH2WebSocket(stream, st, origin);
      },
      end: (stream, dir, origin, trailers) => {
        const st = this.#h2Streams.get(stream);
        // A WebSocket stream ends when the server ends its side (after the close frames, or instead of them).
        if (st?.ws) {
          if (dir !== this.#requestDirection()) this.#endH2WebSocket(stream, st, origin);
          return;
        }
        const message = st?.messages[dir];
        if (!st || !message) return;
        delete st.messages[dir];
        this.#emit(message, st.exchange, false, origin, trailers, st.unresolved[dir]);
        if (message.head.kind === 'response') st.responseEnded = true;
        // The exchange is over once its response ended and no request is still arriving.
        if (st.responseEnded && !st.messages.egress && !st.messages.ingress) this.#h2Streams.delete(stream);
      },
      abort: (stream, origin, reason) => {
        const st = this.#h2Streams.get(stream);
        if (!st) return;
        this.#h2Streams.delete(stream);
        if (st.ws) this.#endOpenWebSocket(st.ws, origin);
        // The request goes out first, so a response held for it follows.
        for (const dir of this.#requestDirectionFirst()) {
          const message = st.messages[dir];
          if (!message) continue;
          delete st.messages[dir];
          this.#emit(message, st.exchange, true, origin, undefined, st.unresolved[dir]);
        }
        this.#emitHeld(st.exchange);
        this.#retire(st.exchange);
        t.add(`http2_abort_${reason === 'RST_STREAM' ? 'reset' : reason === 'connection closed' ? 'closed' : 'gap'}`, 1);
      },
    };
  }

  /**
   * An extended CONNECT: neither its request nor its answer has an end until the WebSocket ends, so
   * each goes out as soon as its head is read; a 2xx answer opens the WebSocket on the stream (its
   * DATA are frames).
   */
  #h2WebSocketHead(st: H2Stream, dir: Direction, head: MessageHead, last: Origin): void {
    const message = st.messages[dir]!;
    if (head.kind === 'request') {
      delete st.messages[dir];
      this.#emit(message, st.exchange, false, last, undefined, st.unresolved[dir]);
    } else if (head.status! >= 200 && head.status! < 300 && this.#requestDirection() !== undefined) {
      delete st.messages[dir];
      const exchangeId = `${this.id}:${st.exchange.n}`;
      message.openWebSocket();
      this.#emit(message, st.exchange, false, last, undefined, st.unresolved[dir]);
      st.ws = this.#openWebSocket(message.head.headers, exchangeId, last);
    }
  }

  #endH2WebSocket(stream: number, st: H2Stream, origin: Origin): void {
    this.#h2Streams.delete(stream);
    for (const m of Object.values(st.messages)) m?.release();
    this.#endOpenWebSocket(st.ws!, origin);
  }

  #requestDirection(): Direction | undefined {
    if (this.role === undefined) return undefined;
    return this.role === 'client' ? 'egress' : 'ingress';
  }

  #onHead(direction: Direction, side: Side, head: MessageHead, first: Origin, last: Origin): BodyFraming | null {
    if (this.role === undefined) {
      // The side that sends the first request is the client.
      const egressSendsRequests = (direction === 'egress') === (head.kind === 'request');
      this.role = egressSendsRequests ? 'client' : 'server';
      const reqDir: Direction = egressSendsRequests ? 'egress' : 'ingress';
      this.#sides[reqDir].parser.expect = 'request';
      this.#sides[reqDir === 'egress' ? 'ingress' : 'egress'].parser.expect = 'response';
      if (this.role === 'server' && !this.#opts.decodeServerSide) {
        this.#opts.telemetry.add('server_side_connections_skipped');
        this.#skip();
        return null;
      }
    } else if (this.#requestDirection() !== (head.kind === 'request' ? direction : other(direction))) {
      this.#giveUp('unexpected_message', `a ${head.kind} on the ${direction} side`);
      return null;
    }
    return head.kind === 'request' ? this.#onRequestHead(side, head, first, last) : this.#onResponseHead(side, head, first, last);
  }

  #onRequestHead(side: Side, head: MessageHead, first: Origin, last: Origin): BodyFraming | null {
    const framing = requestFraming(head);
    if (typeof framing === 'string') {
      this.#giveUp(framing, `request ${head.method} ${head.url}`);
      return null;
    }
    if (this.#pending.length >= this.#opts.maxPendingExchanges) {
      this.#giveUp('pipeline_too_deep', `more than ${this.#opts.maxPendingExchanges} requests without a response`);
      return null;
    }
    if (!this.#reserveHead(head)) return null;
    const ex: Exchange = {
      n: this.#sequence++,
      method: head.method,
      url: head.url,
      host: head.headers.host?.[0] ?? this.conn.sni ?? (this.conn.remote ? `${this.conn.remote.ip}:${this.conn.remote.port}` : undefined),
      requestEmitted: false,
      heldResponse: null,
    };
    this.#pending.push(ex);
    side.exchange = ex;
    side.message = new MessageBuilder(head, first, last, false, this.#builderLimits, framing.type === 'length' ? framing.length : 0);
    return framing;
  }

  #onResponseHead(side: Side, head: MessageHead, first: Origin, last: Origin): BodyFraming | null {
    const status = head.status!;
    if (status >= 100 && status < 200 && status !== 101) {
      // 100 Continue and other interim responses: not the answer, the final response follows.
      this.#opts.telemetry.add('interim_responses');
      side.exchange = null;
      side.message = null;
      return { type: 'none' };
    }
    // Strictly in order: the oldest request without a response owns this response.
    const ex = this.#pending.find((e) => !e.heldResponse);
    let exchange: Exchange;
    if (ex) exchange = ex;
    else {
      // A response to a request never seen (capture started mid-connection, or it was lost).
      this.#opts.telemetry.add('responses_without_request');
      exchange = { n: this.#sequence++, requestEmitted: true, heldResponse: null };
    }
    const framing = responseFraming(head, exchange.method);
    if (typeof framing === 'string') {
      this.#giveUp(framing, `response ${status}`);
      return null;
    }
    if (!this.#reserveHead(head)) return null;
    side.exchange = exchange;
    const streamed = framing.type === 'chunked' || framing.type === 'close';
    side.message = new MessageBuilder(head, first, last, streamed, this.#builderLimits, framing.type === 'length' ? framing.length : 0);
    return framing;
  }

  /** The parsed head is held until its message goes out: it is in the memory account too. */
  #reserveHead(head: MessageHead): boolean {
    if (this.#opts.memory.reserve(head.size)) return true;
    this.#giveUp('memory_limit', 'max_buffered_bytes reached holding a message head');
    return false;
  }

  #onEnd(side: Side, origin: Origin, trailers?: HttpHeaders): void {
    const message = side.message;
    const exchange = side.exchange;
    side.message = null;
    side.exchange = null;
    if (!message || !exchange) return; // interim response
    if (message.head.kind === 'response' && isWebSocketUpgrade(message.head.status, message.head.headers) && this.role !== undefined) {
      this.#startWebSocket(message, exchange, origin);
      return;
    }
    this.#emit(message, exchange, false, origin, trailers);
    if (message.head.kind === 'response' && (message.head.status === 101 || (exchange.method === 'CONNECT' && message.head.status! < 300))) {
      // Not HTTP from here on (WebSocket, a tunnel): stop parsing both sides.
      this.#opts.telemetry.add('upgraded_connections');
      this.#skip();
    }
  }

  /** The 101 goes out now (a WebSocket may stay open for hours); its messages follow as http.websocket events. */
  #startWebSocket(response: MessageBuilder<OispEvent>, exchange: Exchange, origin: Origin): void {
    this.#opts.telemetry.add('upgraded_connections');
    // The request direction's parser may hold nothing more: the client waits for the 101 before it sends frames.
    this.#sides[this.#requestDirection()!].parser.kill();
    const exchangeId = `${this.id}:${exchange.n}`;
    response.openWebSocket();
    this.#emit(response, exchange, false, origin);
    this.#ws = this.#openWebSocket(response.head.headers, exchangeId, origin);
  }

  /** A WebSocket whose messages wait in an outbox for the end of the batch that completed them. */
  #openWebSocket(handshakeHeaders: HttpHeaders, exchangeId: string, opened: Origin): OpenWebSocket {
    const t = this.#opts.telemetry;
    t.add('websocket_connections');
    const outbox = new WebSocketOutbox(exchangeId, opened, this.#opts.memory, () => t.add('websocket_messages_not_kept'));
    const session = new WebSocketSession<OispEvent>(this.#requestDirection()!, handshakeHeaders, { maxMessageBytes: this.#opts.maxBodyBytes, memory: this.#opts.memory }, {
      message: (direction, m, origin) => outbox.add(direction, m, origin),
      count: (name, n = 1) => t.add(name, n),
      error: (kind, detail) => t.error(kind, { conn: this.id, detail }),
    });
    return { session, outbox };
  }

  #feedWebSocket(direction: Direction, bytes: Uint8Array, origin: Origin): void {
    const ws = this.#ws!;
    ws.outbox.saw(origin);
    ws.session.feed(direction, bytes, origin);
    // Both close frames seen: the WebSocket is over, nothing after it is read.
    if (ws.session.closedBothWays) {
      this.#endWebSocket(origin);
      this.#skip();
    }
  }

  #endWebSocket(origin?: Origin): void {
    const ws = this.#ws!;
    this.#ws = null;
    this.#endOpenWebSocket(ws, origin);
  }

  /**
   * Messages in flight come out flagged, then the last http.websocket: aborted unless both sides
   * sent their close frame. Without `origin` (the connection gave up) it dates from the latest chunk.
   */
  #endOpenWebSocket(ws: OpenWebSocket, origin?: Origin): void {
    const clean = ws.session.closedBothWays;
    if (origin) ws.outbox.saw(origin);
    ws.session.finish();
    ws.session.release();
    this.#opts.emit(ws.outbox.take(this.conn, { aborted: !clean })!);
  }

  #onAbort(side: Side, lost: number, origin: Origin): void {
    const message = side.message;
    const exchange = side.exchange;
    side.message = null;
    side.exchange = null;
    if (!message || !exchange) return;
    message.lose(lost);
    this.#emit(message, exchange, true, origin);
  }

  #onHeadLost(direction: Direction, side: Side): void {
    side.message?.release();
    side.message = null;
    side.exchange = null;
    if (direction === this.#requestDirection() || this.role === undefined) {
      this.#opts.telemetry.add('requests_lost');
      return;
    }
    // The response being read belonged to the oldest waiting request: that exchange is over.
    this.#opts.telemetry.add('responses_lost');
    const ex = this.#pending.find((e) => !e.heldResponse);
    if (ex) this.#retire(ex);
  }

  #emit(message: MessageBuilder<OispEvent>, exchange: Exchange, aborted: boolean, origin: Origin, trailers?: HttpHeaders, unresolvedHeaders?: number): void {
    const exchangeId = `${this.id}:${exchange.n}`;
    const head = message.head;
    const endTs = aborted ? undefined : origin.ts;
    if (head.kind === 'request') {
      const data = { exchange_id: exchangeId, conn: this.conn, method: head.method!, url: head.url! } as HttpRequest;
      if (exchange.host !== undefined) data.host = exchange.host;
      message.finishInto(data, aborted, endTs);
      if (unresolvedHeaders) data.headers_unresolved = unresolvedHeaders;
      const grpc = message.isGrpc ? grpcCall(head.url, head.headers) : undefined;
      if (grpc) data.grpc = grpc;
      this.#opts.telemetry.add('http_requests');
      this.#opts.emit(deriveEvent(message.first.event, 'http.request', data));
      message.release();
      exchange.requestEmitted = true;
      if (exchange.heldResponse) {
        this.#emitHeld(exchange);
        this.#retire(exchange);
      }
      return;
    }
    const data = { exchange_id: exchangeId, conn: this.conn, status: head.status! } as HttpResponse;
    if (head.reason !== undefined) data.reason = head.reason;
    if (exchange.method !== undefined) data.method = exchange.method;
    if (exchange.url !== undefined) data.url = exchange.url;
    if (exchange.host !== undefined) data.host = exchange.host;
    message.finishInto(data, aborted, endTs);
    if (trailers) data.trailers = trailers;
    if (unresolvedHeaders) data.headers_unresolved = unresolvedHeaders;
    const grpc = message.isGrpc ? grpcCall(exchange.url, head.headers, trailers) : undefined;
    if (grpc) data.grpc = grpc;
    this.#opts.telemetry.add('http_responses');
    const event = deriveEvent(message.first.event, 'http.response', data);
    if (exchange.requestEmitted) {
      this.#opts.emit(event);
      message.release();
      this.#retire(exchange);
    } else {
      if (exchange.heldMessage) {
        // Bad input: a second response to a request still arriving (HTTP/2 headers on a stream
        // whose response had ended). The first is let go and counted, not leaked.
        exchange.heldMessage.release();
        this.#opts.telemetry.dropped('response_superseded');
      }
      exchange.heldResponse = event;
      exchange.heldMessage = message;
    }
  }

  /** A held response whose request never completed still comes out (at close). */
  #emitHeld(ex: Exchange): void {
    if (ex.heldResponse) {
      this.#opts.emit(ex.heldResponse);
      ex.heldResponse = null;
    }
    ex.heldMessage?.release();
    ex.heldMessage = undefined;
  }

  #retire(ex: Exchange): void {
    const i = this.#pending.indexOf(ex);
    if (i >= 0) this.#pending.splice(i, 1);
  }

  /** Bad input: count it, and ignore this connection until it closes. */
  #giveUp(kind: string, detail: string): void {
    if (this.skipped) return;
    this.#opts.telemetry.error(kind, { conn: this.id, detail });
    this.#skip();
  }

  #skip(): void {
    this.skipped = true;
    // A WebSocket still open ends here, aborted: whoever reads its messages learns it is over.
    if (this.#ws) this.#endWebSocket();
    for (const st of this.#h2Streams.values()) {
      if (!st.ws) continue;
      this.#endOpenWebSocket(st.ws);
      st.ws = undefined;
    }
    this.#dropAll();
  }

  #dropAll(): void {
    for (const side of Object.values(this.#sides)) {
      side.reassembler.discard();
      side.parser.kill();
      side.message?.release();
      side.message = null;
      side.exchange = null;
    }
    for (const ex of this.#pending) {
      ex.heldMessage?.release();
      ex.heldMessage = undefined;
    }
    this.#pending = [];
    for (const st of this.#h2Streams.values()) {
      for (const m of Object.values(st.messages)) m?.release();
      if (st.ws) releaseWebSocket(st.ws);
    }
    this.#h2Streams.clear();
    this.#h2?.release();
    if (this.#ws) {
      releaseWebSocket(this.#ws);
      this.#ws = null;
    }
  }
}

function releaseWebSocket(ws: OpenWebSocket): void {
  ws.session.release();
  ws.outbox.release();
}

function other(direction: Direction): Direction {
  return direction === 'egress' ? 'ingress' : 'egress';
}

/** Transfer-Encoding codings, lower-case, in order. */
function transferCodings(headers: HttpHeaders): string[] | undefined {
  const te = headers['transfer-encoding'];
  if (!te) return undefined;
  if (te.length === 1 && te[0].length === 7 && te[0].toLowerCase() === 'chunked') return ['chunked'];
  return te.flatMap((v) => v.split(',')).map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
}

const DIGITS = /^\d{1,15}$/;

/** Content-Length as a number; 'bad' when invalid or conflicting, undefined when absent. */
function contentLength(headers: HttpHeaders): number | 'bad' | undefined {
  const cl = headers['content-length'];
  if (!cl) return undefined;
  if (cl.length === 1 && DIGITS.test(cl[0])) return Number(cl[0]);
  // Repeated or comma-listed values are fine only when they all agree (RFC 9110 section 8.6).
  const values = new Set(cl.flatMap((v) => v.split(',')).map((v) => v.trim()));
  if (values.size !== 1) return 'bad';
  const [v] = values;
  return DIGITS.test(v) ? Number(v) : 'bad';
}

function requestFraming(head: MessageHead): BodyFraming | string {
  const te = transferCodings(head.headers);
  if (te) return te[te.length - 1] === 'chunked' ? { type: 'chunked' } : 'bad_transfer_encoding';
  const cl = contentLength(head.headers);
  if (cl === 'bad') return 'bad_content_length';
  return cl === undefined ? { type: 'none' } : { type: 'length', length: cl };
}

function responseFraming(head: MessageHead, method: string | undefined): BodyFraming | string {
  const status = head.status!;
  if (status === 101) return { type: 'tunnel' };
  if (method === 'CONNECT' && status >= 200 && status < 300) return { type: 'tunnel' };
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return { type: 'none' };
  const te = transferCodings(head.headers);
  if (te) return te[te.length - 1] === 'chunked' ? { type: 'chunked' } : { type: 'close' };
  const cl = contentLength(head.headers);
  if (cl === 'bad') return 'bad_content_length';
  return cl === undefined ? { type: 'close' } : { type: 'length', length: cl };
}
