// TLS plaintext from uprobes on OpenSSL's SSL_write / SSL_read (DESIGN.md "The native boundary").
// Data is taken at return, from the return value: node retries SSL_write with the same bytes while
// the handshake is pending, so entry arguments alone would duplicate it.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "oisp_records.h"
#include "oisp_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Largest payload copied per call unless userspace says otherwise; bytes past it are not copied
 * and show as a gap. */
#define DEFAULT_MAX_PAYLOAD (16ULL << 20)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oisp_settings);
} settings SEC(".maps");

/* Bytes [start, end) of the concatenation of `count` slices (&[u8]: pointer, length) at `array`. */
struct rustls_slices {
	__u64 array;
	__u64 count;
	__u64 start;
};

struct call_args {
	__u64 ssl;
	__u64 buf;       /* where the bytes are; 0 when they cannot be read (counted as a gap) */
	__u64 count_ptr; /* the _ex variants return the byte count through a size_t* */
	__u32 direction;
	__u32 skip;      /* a variant called by another with the same bytes: counted once, by the outer */
	struct rustls_slices slices; /* rustls's OutboundChunks::Multiple: the bytes are these slices */
};

#define MAX_DEPTH 4

/* The SSL_* calls in progress on a thread, innermost last. Calls nest for real: a callback run
 * inside SSL_read (node's TLS 1.3 session-ticket event) may call SSL_write with other bytes. */
struct call_stack {
	__u32 depth;
	__u32 pad;
	struct call_args frames[MAX_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct call_stack);
} active_calls SEC(".maps");

struct conn_key {
	__u32 tgid;
	__u32 direction;
	__u64 ssl;
};

/* Bytes seen so far per connection and direction: offsets are kept in the kernel so a lost
 * chunk shows as a gap in userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct conn_key);
	__type(value, __u64);
} conn_offsets SEC(".maps");

/* Generation of each (tgid, SSL*): bumped by SSL_free, so a reused pointer is a new connection. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tls_conn_key);
	__type(value, __u32);
} conn_gen SEC(".maps");

struct copy_ctx {
	struct payload_chunk *s;
	__u64 buf;
	__u64 total;
	__u64 base_offset;
};

static long copy_chunk(__u64 index, void *arg)
{
	struct copy_ctx *c = arg;
	__u64 done = index * OISP_CHUNK_MAX;
	if (done >= c->total)
		return 1;
	__u64 len = c->total - done;
	if (len > OISP_CHUNK_MAX)
		len = OISP_CHUNK_MAX;
	send_chunk(c->s, c->buf + done, len, c->base_offset + done);
	return 0;
}

#define MAX_SLICES 16

struct slices_ctx {
	struct payload_chunk *s;
	struct rustls_slices in;
	__u64 total; /* bytes to copy, from in.start on */
	__u64 done;
	__u64 base_offset;
};

/* One slice of a rustls OutboundChunks::Multiple: its part of the bytes, chunked like any call's. */
static long copy_slice(__u64 index, void *arg)
{
	struct slices_ctx *sc = arg;
	if (index >= sc->in.count || sc->done >= sc->total)
		return 1;
	__u64 slice[2];
	if (bpf_probe_read_user(slice, sizeof(slice), (void *)(sc->in.array + index * 16)) != 0)
		return 1; /* the rest shows as a gap */
	if (sc->in.start >= slice[1]) {
		sc->in.start -= slice[1];
		return 0;
	}
	__u64 len = slice[1] - sc->in.start;
	if (len > sc->total - sc->done)
		len = sc->total - sc->done;
	struct copy_ctx c = { .s = sc->s, .buf = slice[0] + sc->in.start, .total = len, .base_offset = sc->base_offset + sc->done };
	bpf_loop((len + OISP_CHUNK_MAX - 1) / OISP_CHUNK_MAX, copy_chunk, &c, 0);
	sc->in.start = 0;
	sc->done += len;
	return 0;
}

/* A call into a connection whose socket is not known yet: this thread's next socket write tells. */
static __always_inline void want_socket(__u64 id, void *ssl)
{
	struct tls_conn_key k = { .tgid = id >> 32, .ssl = (__u64)ssl };
	if (bpf_map_lookup_elem(&tls_socks, &k))
		return;
	__u64 s = (__u64)ssl;
	bpf_map_update_elem(&tls_pending, &id, &s, BPF_ANY);
	flag_process(HAS_TLS_UNRESOLVED);
}

/* The connection's socket, to userspace once, ahead of the chunk about to go (same ring: in order). */
static __always_inline void report_socket(__u64 id, __u64 ssl, __u32 generation)
{
	struct tls_conn_key k = { .tgid = id >> 32, .ssl = ssl };
	struct tls_sock *sock = bpf_map_lookup_elem(&tls_socks, &k);
	if (!sock || sock->reported)
		return;
	struct oisp_tls_socket *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(0, 1);
		return; /* told with a later chunk */
	}
	sock->reported = 1;
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = OISP_REC_TLS_SOCKET;
	r->generation = generation;
	r->ts_ns = bpf_ktime_get_ns();
	r->ssl_ptr = ssl;
	r->pid = id >> 32;
	r->tid = (__u32)id;
	r->fd = sock->fd;
	r->family = sock->family;
	r->port = sock->port;
	r->local_port = sock->local_port;
	__builtin_memcpy(r->addr, sock->addr, sizeof(r->addr));
	__builtin_memcpy(r->local_addr, sock->local_addr, sizeof(r->local_addr));
	bpf_ringbuf_submit(r, 0);
}

#define NO_SLICES ((struct rustls_slices){})

static __always_inline int enter(void *ssl, void *buf, __u32 direction, void *count_ptr, struct rustls_slices slices)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if (!traced(tgid))
		return 0;
	want_socket(id, ssl);
	struct call_stack *st = bpf_map_lookup_elem(&active_calls, &id);
	if (!st) {
		struct call_stack empty = {};
		bpf_map_update_elem(&active_calls, &id, &empty, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&active_calls, &id);
		if (!st)
			return 0;
	}
	__u32 d = st->depth;
	st->depth = d + 1;
	if (d >= MAX_DEPTH)
		return 0; /* counted, not recorded: its return is ignored */
	struct call_args *f = &st->frames[d & (MAX_DEPTH - 1)];
	f->ssl = (__u64)ssl;
	f->buf = (__u64)buf;
	f->count_ptr = (__u64)count_ptr;
	f->direction = direction;
	f->skip = 0;
	f->slices = slices;
	if (d > 0) {
		struct call_args *outer = &st->frames[(d - 1) & (MAX_DEPTH - 1)];
		if (outer->ssl == (__u64)ssl && outer->buf == (__u64)buf && outer->direction == direction)
			f->skip = 1;
	}
	return 0;
}

static __always_inline int leave(void *ctx, long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_stack *st = bpf_map_lookup_elem(&active_calls, &id);
	if (!st || st->depth == 0)
		return 0;
	__u32 d = st->depth - 1;
	st->depth = d;
	if (d >= MAX_DEPTH)
		return 0;
	struct call_args a = st->frames[d & (MAX_DEPTH - 1)];
	if (d == 0)
		bpf_map_delete_elem(&active_calls, &id);
	if (a.skip || ret <= 0)
		return 0;
	if (a.count_ptr) {
		/* SSL_write_ex / SSL_read_ex: 1 on success, the count in *written / *readbytes. */
		__u64 count = 0;
		if (bpf_probe_read_user(&count, sizeof(count), (void *)a.count_ptr) != 0)
			return 0;
		ret = (long)count;
		if (ret <= 0)
			return 0;
	}

	struct conn_key key = { .tgid = id >> 32, .direction = a.direction, .ssl = a.ssl };
	__u64 zero = 0;
	__u64 *off = bpf_map_lookup_elem(&conn_offsets, &key);
	if (!off) {
		bpf_map_update_elem(&conn_offsets, &key, &zero, BPF_NOEXIST);
		off = bpf_map_lookup_elem(&conn_offsets, &key);
		if (!off)
			return 0;
	}
	__u64 base = __sync_fetch_and_add(off, (__u64)ret);

	__u32 k = 0;
	struct payload_chunk *s = bpf_map_lookup_elem(&payload_space, &k);
	if (!s)
		return 0;
	s->hdr.kind = OISP_REC_TLS_DATA;
	s->hdr.ts_ns = bpf_ktime_get_ns();
	s->hdr.ssl_ptr = a.ssl;
	s->hdr.pid = id >> 32;
	s->hdr.tid = (__u32)id;
	s->hdr.direction = a.direction;
	struct tls_conn_key gk = { .tgid = id >> 32, .ssl = a.ssl };
	__u32 *gen = bpf_map_lookup_elem(&conn_gen, &gk);
	s->hdr.generation = gen ? *gen : 0;
	report_socket(id, a.ssl, s->hdr.generation);
	bpf_get_current_comm(s->hdr.comm, sizeof(s->hdr.comm));
	s->hdr.lib = bpf_get_attach_cookie(ctx) & 0xffffffff; /* the high half is the attach's own (rustls) */

	__u64 total = (__u64)ret;
	struct oisp_settings *cfg = bpf_map_lookup_elem(&settings, &k);
	__u64 cap = cfg && cfg->max_payload_bytes ? cfg->max_payload_bytes : DEFAULT_MAX_PAYLOAD;
	if (total > cap)
		total = cap;
	if (a.slices.array) {
		struct slices_ctx sc = { .s = s, .in = a.slices, .total = total, .base_offset = base };
		bpf_loop(MAX_SLICES, copy_slice, &sc, 0);
	} else if (a.buf) {
		struct copy_ctx c = { .s = s, .buf = a.buf, .total = total, .base_offset = base };
		bpf_loop((total + OISP_CHUNK_MAX - 1) / OISP_CHUNK_MAX, copy_chunk, &c, 0);
	}
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_enter, void *ssl, const void *buf, int num)
{
	return enter(ssl, (void *)buf, OISP_DIR_EGRESS, 0, NO_SLICES);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_exit, int ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_enter, void *ssl, void *buf, int num)
{
	return enter(ssl, buf, OISP_DIR_INGRESS, 0, NO_SLICES);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_exit, int ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_ex_enter, void *ssl, const void *buf, size_t num, size_t *written)
{
	return enter(ssl, (void *)buf, OISP_DIR_EGRESS, written, NO_SLICES);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_ex_exit, int ret)
{
	return leave(ctx, ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_ex_enter, void *ssl, void *buf, size_t num, size_t *readbytes)
{
	return enter(ssl, buf, OISP_DIR_INGRESS, readbytes, NO_SLICES);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_ex_exit, int ret)
{
	return leave(ctx, ret);
}

/* The connection on (tgid, ssl) is over: the pointer's next use is a new connection, with a new
 * generation, its own offsets and its own socket. Userspace gets the totals of each direction. */
static __always_inline void end_connection(__u64 id, void *ssl, __u32 reason)
{
	__u32 tgid = id >> 32;
	struct tls_conn_key gk = { .tgid = tgid, .ssl = (__u64)ssl };
	__u32 *gen = bpf_map_lookup_elem(&conn_gen, &gk);
	__u32 old = gen ? *gen : 0;
	__u32 next = old + 1;
	bpf_map_update_elem(&conn_gen, &gk, &next, BPF_ANY);
	bpf_map_delete_elem(&tls_socks, &gk); /* the pointer's next connection finds its own */
	struct oisp_tls_close *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	struct conn_key ck = { .tgid = tgid, .direction = OISP_DIR_EGRESS, .ssl = (__u64)ssl };
	__u64 *total = bpf_map_lookup_elem(&conn_offsets, &ck);
	if (r)
		r->egress_bytes = total ? *total : 0;
	bpf_map_delete_elem(&conn_offsets, &ck);
	ck.direction = OISP_DIR_INGRESS;
	total = bpf_map_lookup_elem(&conn_offsets, &ck);
	if (r)
		r->ingress_bytes = total ? *total : 0;
	bpf_map_delete_elem(&conn_offsets, &ck);
	if (!r) {
		count_drop(0, 1);
		return;
	}
	r->kind = OISP_REC_TLS_CLOSE;
	r->generation = old;
	r->ts_ns = bpf_ktime_get_ns();
	r->ssl_ptr = (__u64)ssl;
	r->pid = tgid;
	r->tid = (__u32)id;
	r->reason = reason;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
}

/* rustls 0.23, found by structure (no symbols). Writes: CommonState::buffer_plaintext(&mut
 * CommonState, &OutboundChunks, ..) -> bytes accepted; the CommonState is the connection.
 * OutboundChunks is Single {0, ptr, len} or Multiple {slices, count, start, end}. */
SEC("uprobe")
int BPF_KPROBE(rustls_write_enter, void *common, const void *chunks)
{
	__u64 w[4] = {};
	struct rustls_slices slices = {};
	void *buf = 0;
	if (bpf_probe_read_user(w, sizeof(w), chunks) == 0) {
		if (w[0] == 0)
			buf = (void *)w[1];
		else
			slices = (struct rustls_slices){ .array = w[0], .count = w[1], .start = w[2] };
	}
	return enter(common, buf, OISP_DIR_EGRESS, 0, slices);
}

SEC("uretprobe")
int BPF_KRETPROBE(rustls_write_exit, long accepted)
{
	return leave(ctx, accepted);
}

/* Reads: <Reader as io::Read>::read(&Reader, buf, len) -> io::Result<usize> (rax 0 = Ok, rdx = the
 * count). The Reader holds &CommonState.received_plaintext, the attach cookie's high half bytes into
 * the CommonState: minus that, the same connection as the writes. */
SEC("uprobe")
int BPF_KPROBE(rustls_read_enter, const void *reader, void *buf)
{
	__u64 received = 0;
	if (bpf_probe_read_user(&received, sizeof(received), reader) != 0)
		buf = 0;
	return enter((void *)(received - (bpf_get_attach_cookie(ctx) >> 32)), buf, OISP_DIR_INGRESS, 0, NO_SLICES);
}

SEC("uretprobe")
int BPF_KRETPROBE(rustls_read_exit, long is_err)
{
	return leave(ctx, is_err == 0 ? (long)PT_REGS_PARM3(ctx) : 0);
}

/* Whether any byte went either way on (tgid, ssl) since its connection began. */
static __always_inline int carried_data(__u32 tgid, void *ssl)
{
	struct conn_key ck = { .tgid = tgid, .direction = OISP_DIR_EGRESS, .ssl = (__u64)ssl };
	if (bpf_map_lookup_elem(&conn_offsets, &ck))
		return 1;
	ck.direction = OISP_DIR_INGRESS;
	return bpf_map_lookup_elem(&conn_offsets, &ck) ? 1 : 0;
}

/* The handshake: its socket writes (the ClientHello) tell the connection's socket before any data. */
SEC("uprobe")
int BPF_KPROBE(ssl_handshake_enter, void *ssl)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!ssl || !traced(id >> 32))
		return 0;
	/* Data already went over this pointer: the library freed the connection and reused the
	 * memory for a new one without us seeing SSL_free (not found in a stripped binary). */
	if (carried_data(id >> 32, ssl))
		end_connection(id, ssl, OISP_CLOSE_HANDSHAKE);
	want_socket(id, ssl);
	return 0;
}

#define SSL_CTRL_SET_TLSEXT_HOSTNAME 55

static __always_inline int report_sni(void *ssl, const char *name)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if (!name || !traced(tgid))
		return 0;
	struct oisp_tls_sni *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(0, 1);
		return 0;
	}
	struct tls_conn_key gk = { .tgid = tgid, .ssl = (__u64)ssl };
	__u32 *gen = bpf_map_lookup_elem(&conn_gen, &gk);
	r->kind = OISP_REC_TLS_SNI;
	r->generation = gen ? *gen : 0;
	r->ts_ns = bpf_ktime_get_ns();
	r->ssl_ptr = (__u64)ssl;
	r->pid = tgid;
	r->tid = (__u32)id;
	if (bpf_probe_read_user_str(r->name, sizeof(r->name), name) < 0)
		r->name[0] = 0;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* OpenSSL: SSL_set_tlsext_host_name is a macro over SSL_ctrl. */
SEC("uprobe")
int BPF_KPROBE(ssl_ctrl_enter, void *ssl, int cmd, long larg, void *parg)
{
	return cmd == SSL_CTRL_SET_TLSEXT_HOSTNAME ? report_sni(ssl, parg) : 0;
}

/* BoringSSL: SSL_set_tlsext_host_name is a function of its own. */
SEC("uprobe")
int BPF_KPROBE(ssl_set_hostname_enter, void *ssl, const char *name)
{
	return report_sni(ssl, name);
}

SEC("uprobe")
int BPF_KPROBE(ssl_free_enter, void *ssl)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (ssl && traced(id >> 32))
		end_connection(id, ssl, OISP_CLOSE_FREE);
	return 0;
}
