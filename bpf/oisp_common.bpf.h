/* What every BPF object of the receiver has: its ring buffer of records, the processes never
 * traced (the collector itself), its loss counters and the `processes` filter — each object its
 * own copies — and the maps the two objects share (loaded once, reused by the other). */
#ifndef OISP_COMMON_BPF_H
#define OISP_COMMON_BPF_H

#include "oisp_records.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

/* Processes never traced: the collector itself, filled before anything is attached. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u8);
} excluded_tgids SEC(".maps");

/* [0] records the ring could not take, [1] bytes that could not be read: per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drop(__u32 slot, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &slot);
	if (v)
		*v += n;
}

/* Payload records wake the reader only once the ring is an eighth full; below that the reader
 * takes them on its next timed look (addon.cc, kReadEveryMs). One wake-up — a context switch, dear
 * on a virtual machine — then carries many records instead of one. Other records wake as usual. */
static __always_inline __u64 payload_wakeup(void)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 size = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	return avail > size / 8 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* One payload chunk on its way to the ring (TLS or plaintext socket bytes): read from the process
 * into this per-CPU buffer, then copied into the ring at its real size. */
struct payload_chunk {
	struct oisp_tls_data hdr;
	__u8 data[OISP_CHUNK_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct payload_chunk);
} payload_space SEC(".maps");

/* Sends `len` (at most OISP_CHUNK_MAX) bytes of user memory at `from` as the chunk at `offset`; its
 * header's other fields are the caller's. Bytes that cannot be read are counted (drops[1]) and show
 * as a gap in the offsets; a full ring is counted (drops[0]). */
static __always_inline void send_chunk(struct payload_chunk *s, __u64 from, __u64 len, __u64 offset)
{
	barrier_var(len);
	if (len > OISP_CHUNK_MAX)
		return;
	if (bpf_probe_read_user(s->data, len, (void *)from) != 0) {
		count_drop(1, len);
		return;
	}
	s->hdr.len = len;
	s->hdr.offset = offset;
	__u64 size = sizeof(s->hdr) + len;
	barrier_var(size);
	if (size > sizeof(*s))
		return;
	if (bpf_ringbuf_output(&events, s, size, payload_wakeup()) != 0)
		count_drop(0, 1);
}

static __always_inline int excluded(__u32 tgid)
{
	return bpf_map_lookup_elem(&excluded_tgids, &tgid) != NULL;
}

/* ---- Shared by the two objects: the TLS object is loaded with the system object's copies
 * (bpf_map__reuse_fd), so a TLS connection learns its socket from the syscalls the other sees. */

/* Per process (on its group leader): what the data syscalls must look at — a plain-port socket, a
 * followed file, a TLS connection whose socket is not known yet. Every read, write, send and recv
 * of every process asks; a task-local answer is cheaper than the hash lookups it spares. */
#define HAS_PLAIN_SOCKETS 1
#define HAS_FOLLOWED_FILES 2
#define HAS_TLS_UNRESOLVED 4
#define HAS_QUIC_SEND 8 /* a thread is inside its first send to a QUIC destination (sys.bpf.c) */

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} proc_flags SEC(".maps");

static __always_inline void flag_process(__u32 bit)
{
	struct task_struct *leader = bpf_get_current_task_btf()->group_leader;
	__u32 *f = bpf_task_storage_get(&proc_flags, leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (f)
		*f |= bit;
}

static __always_inline void unflag_process(__u32 bit)
{
	struct task_struct *leader = bpf_get_current_task_btf()->group_leader;
	__u32 *f = bpf_task_storage_get(&proc_flags, leader, 0, 0);
	if (f)
		__sync_fetch_and_and(f, ~bit);
}

static __always_inline __u32 process_flags(void)
{
	struct task_struct *leader = bpf_get_current_task_btf()->group_leader;
	__u32 *f = bpf_task_storage_get(&proc_flags, leader, 0, 0);
	return f ? *f : 0;
}

/* A TLS connection of a process: (tgid, SSL*). */
struct tls_conn_key {
	__u32 tgid;
	__u32 pad;
	__u64 ssl;
};

/* The TLS connection (SSL*) each thread last called into while its socket was not known: that
 * thread's next socket write is the connection's — inside the call for curl and Python, just after
 * it for node (whose SSL writes into a memory BIO that node then writes to the socket). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} tls_pending SEC(".maps");

struct tls_sock {
	__s32 fd;
	__u16 family;
	__u16 port;
	__u16 local_port;
	__u16 reported; /* sent to userspace (OISP_REC_TLS_SOCKET) */
	__u32 pad;
	__u8 addr[16];
	__u8 local_addr[16];
};

/* The socket of each TLS connection, once found. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tls_conn_key);
	__type(value, struct tls_sock);
} tls_socks SEC(".maps");

/* The receiver's `processes` filter on captured payloads: every non-empty list must match, and an
 * excluded command never does. filter_active[0] says which lists are in use (enum oisp_filter). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} filter_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} filter_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} filter_uids SEC(".maps");

/* By the process's command name (its main thread's comm): OISP_COMM_INCLUDE or OISP_COMM_EXCLUDE. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, char[16]);
	__type(value, __u8);
} filter_comms SEC(".maps");

/* Whether the current process's payloads are captured: not the collector, and through the filter. */
static __always_inline int traced(__u32 tgid)
{
	if (excluded(tgid))
		return 0;
	__u32 zero = 0;
	__u32 *active = bpf_map_lookup_elem(&filter_active, &zero);
	__u32 f = active ? *active : 0;
	if (f == 0)
		return 1;
	if ((f & OISP_FILTER_PIDS) && !bpf_map_lookup_elem(&filter_pids, &tgid))
		return 0;
	if (f & OISP_FILTER_UIDS) {
		__u32 uid = (__u32)bpf_get_current_uid_gid();
		if (!bpf_map_lookup_elem(&filter_uids, &uid))
			return 0;
	}
	if (f & (OISP_FILTER_COMMS | OISP_FILTER_EXCLUDE_COMMS)) {
		char comm[16] = {};
		struct task_struct *leader = bpf_get_current_task_btf()->group_leader;
		bpf_probe_read_kernel_str(comm, sizeof(comm), &leader->comm);
		__u8 *v = bpf_map_lookup_elem(&filter_comms, comm);
		if (v && *v == OISP_COMM_EXCLUDE)
			return 0;
		if ((f & OISP_FILTER_COMMS) && !(v && *v == OISP_COMM_INCLUDE))
			return 0;
	}
	return 1;
}

#endif
