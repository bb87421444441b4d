// Process, file and network events from BTF tracepoints (no kprobes, no tracefs): exec and exit
// of processes, opens of files with their resolved paths, bytes read and written per open file
// (summed here, sent at close), outbound connects (DESIGN.md "Known traps": processes and
// files), and QUIC (UDP 443) said once per process and destination, since TLS capture cannot see it. Which processes are agents is decided here too: `marked_tgids`, filled by userspace
// from TLS SNI, by connects to AI ports, and inherited on fork; file events follow it.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "oisp_records.h"
#include "oisp_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#if defined(__TARGET_ARCH_x86)
#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_pread64 17
#define NR_pwrite64 18
#define NR_readv 19
#define NR_writev 20
#define NR_sendfile 40
#define NR_connect 42
#define NR_openat 257
#define NR_splice 275
#define NR_copy_file_range 326
#define NR_openat2 437
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_sendmmsg 307
#define NR_recvmsg 47
#define NR_dup 32
#define NR_dup2 33
#define NR_dup3 292
#define NR_fcntl 72
#elif defined(__TARGET_ARCH_arm64)
#define NR_openat 56
#define NR_close 57
#define NR_read 63
#define NR_write 64
#define NR_readv 65
#define NR_writev 66
#define NR_pread64 67
#define NR_pwrite64 68
#define NR_sendfile 71
#define NR_splice 76
#define NR_connect 203
#define NR_copy_file_range 285
#define NR_openat2 437
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_sendmmsg 269
#define NR_recvmsg 212
#define NR_dup 23
#define NR_dup2 -1 /* arm64 has only dup3 */
#define NR_dup3 24
#define NR_fcntl 25
#else
#error "syscall numbers for this architecture"
#endif

#define AT_FDCWD -100
#define F_DUPFD 0
#define F_DUPFD_CLOEXEC 1030
#define AF_INET 2
#define AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct oisp_sys_settings);
} sys_settings SEC(".maps");

/* Agent processes: marked by userspace (TLS SNI of a provider), by a connect to an AI port, and
 * by being forked from a marked process. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} marked_tgids SEC(".maps");

/* Remote ports of local model servers (Ollama 11434, LM Studio 1234, ...): a connect marks. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u8);
} ai_ports SEC(".maps");

/* A syscall between its entry and its exit, per thread: the arguments the exit needs. */
struct pending_call {
	__u32 nr;
	__s32 fd;
	__s32 fd2;
	__u32 flags;
	__u64 ptr;
	__u32 len;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct pending_call);
} pending SEC(".maps");

struct fd_key {
	__u32 tgid;
	__s32 fd;
};

struct io_acc {
	__u64 read_bytes;
	__u64 write_bytes;
	__u32 reads;
	__u32 writes;
	__u64 since; /* when these totals began (the open, or the last interval's flush) */
};

/* Open files we follow (opened while we watched, by a process whose file events we keep). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct fd_key);
	__type(value, struct io_acc);
} file_io SEC(".maps");

/* ---- plaintext sockets ---------------------------------------------------------------------- */

/* Remote ports whose plaintext is captured (local model servers, proxies): set by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u16);
	__type(value, __u8);
} plain_ports SEC(".maps");

struct sock_state {
	__u64 egress;   /* bytes so far each way: offsets kept here, a lost chunk is a gap */
	__u64 ingress;
	__u32 generation;
	__u32 pad;
};

/* Sockets connected to a plain port, by (tgid, fd). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct fd_key);
	__type(value, struct sock_state);
} plain_socks SEC(".maps");

/* A generation per (tgid, fd): a reused fd is a new connection. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct fd_key);
	__type(value, __u32);
} plain_gen SEC(".maps");

static __always_inline int data_syscall(long nr)
{
	switch (nr) {
	case NR_read: case NR_write: case NR_pread64: case NR_pwrite64: case NR_readv: case NR_writev:
	case NR_sendfile: case NR_splice: case NR_copy_file_range:
	case NR_sendto: case NR_recvfrom: case NR_sendmsg: case NR_recvmsg:
		return 1;
	default:
		return 0;
	}
}

/* How many followed files each process holds open: its exit looks through file_io only when
 * there are some (a walk of the whole map at every exit would cost more than the exec itself). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} open_counts SEC(".maps");

static __always_inline void follow(__u32 tgid, __s32 fd)
{
	struct fd_key k = { .tgid = tgid, .fd = fd };
	struct io_acc zero = { .since = bpf_ktime_get_ns() };
	if (bpf_map_update_elem(&file_io, &k, &zero, BPF_NOEXIST) != 0)
		return; /* already followed (or the map is full) */
	flag_process(HAS_FOLLOWED_FILES);
	__u32 *n = bpf_map_lookup_elem(&open_counts, &tgid);
	if (n)
		__sync_fetch_and_add(n, 1);
	else {
		__u32 one = 1;
		bpf_map_update_elem(&open_counts, &tgid, &one, BPF_ANY);
	}
}

static __always_inline void unfollow(__u32 tgid, struct fd_key *k)
{
	if (bpf_map_delete_elem(&file_io, k) != 0)
		return;
	__u32 *n = bpf_map_lookup_elem(&open_counts, &tgid);
	if (n && *n > 0)
		__sync_fetch_and_add(n, (__u32)-1); /* xadd: a sub clang 14 cannot emit for BPF */
}

/* Big records are built here, not on the 512-byte stack. */
union scratch {
	struct oisp_exec exec;
	struct oisp_file_open open;
	char env[8192];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, union scratch);
} scratch_space SEC(".maps");

static __always_inline void *scratch(__u32 slot)
{
	return bpf_map_lookup_elem(&scratch_space, &slot);
}

/* Opens left out by each filter (enum oisp_suppressed), per CPU: read by userspace as counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, OISP_SUPPRESSED_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} suppressed SEC(".maps");

static __always_inline void count_suppressed(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&suppressed, &slot);
	if (v)
		*v += 1;
}

/* Whether this process's file events are kept (file_mode: marked, all, none); a no is counted. */
static __always_inline int files_followed(__u32 tgid)
{
	__u32 zero = 0;
	struct oisp_sys_settings *s = bpf_map_lookup_elem(&sys_settings, &zero);
	__u32 mode = s ? s->file_mode : OISP_FILES_MARKED;
	if (mode == OISP_FILES_ALL)
		return 1;
	if (mode == OISP_FILES_NONE) {
		count_suppressed(OISP_SUPPRESSED_NONE);
		return 0;
	}
	if (bpf_map_lookup_elem(&marked_tgids, &tgid))
		return 1;
	count_suppressed(OISP_SUPPRESSED_UNMARKED);
	return 0;
}

#define PATH_PARTS 32
#define NAME_READ 256

/* read_path's state, walked by bpf_loop callbacks (each verified once, not per iteration). */
struct path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *parts[PATH_PARTS];
	__u32 n;
	__u32 complete;
	char *out;
	__u64 pos;
};

/* One step up: the parent dentry, or across a mount to where it is mounted. */
static long walk_up(__u64 i, void *arg)
{
	struct path_walk *w = arg;
	/* Kernel pointers into locals first: CO-RE relocates kernel types, not our struct. */
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct dentry *dentry = w->dentry;
	struct mount *mnt = w->mnt;
	struct dentry *root = BPF_CORE_READ(vfsmnt, mnt_root);
	struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == root || dentry == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt || (dentry == parent && dentry != root)) {
			w->complete = 1;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = &up->mnt;
		return 0;
	}
	if (w->n >= PATH_PARTS)
		return 1;
	w->parts[w->n & (PATH_PARTS - 1)] = dentry;
	w->n++;
	w->dentry = parent;
	return 0;
}

/* One component down from the root: "/" and its name. */
static long write_component(__u64 i, void *arg)
{
	struct path_walk *w = arg;
	if (i >= w->n)
		return 1;
	__u32 k = w->n - 1 - i;
	/* u64 offsets with barrier_var: clang must not drop the bounds the verifier needs. */
	__u64 at = w->pos;
	barrier_var(at);
	if (at > OISP_PATH_MAX - NAME_READ - 2)
		return 1;
	w->out[at] = '/';
	at += 1;
	barrier_var(at);
	if (at > OISP_PATH_MAX - NAME_READ - 1)
		return 1;
	struct dentry *d = w->parts[k & (PATH_PARTS - 1)];
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	long len = bpf_probe_read_kernel_str(w->out + at, NAME_READ, name);
	if (len < 1)
		len = 1;
	if (len > NAME_READ)
		len = NAME_READ;
	w->pos = at + len - 1;
	return 0;
}

/* The path of a `struct path` as d_path would write it, walking dentries up and crossing mounts;
 * deeper than PATH_PARTS components, the top is cut (the path then starts with "..."). */
static __always_inline __u64 read_path(const struct path *p, char *out)
{
	struct path_walk w = {};
	w.dentry = BPF_CORE_READ(p, dentry);
	w.vfsmnt = BPF_CORE_READ(p, mnt);
	w.mnt = container_of(w.vfsmnt, struct mount, mnt);
	w.out = out;
	bpf_loop(PATH_PARTS + 16, walk_up, &w, 0);
	if (!w.complete) {
		out[0] = '.';
		out[1] = '.';
		out[2] = '.';
		w.pos = 3;
	}
	bpf_loop(PATH_PARTS, write_component, &w, 0);
	__u64 end = w.pos;
	barrier_var(end);
	if (end == 0)
		out[end++] = '/';
	barrier_var(end);
	if (end > OISP_PATH_MAX - 1)
		end = OISP_PATH_MAX - 1;
	out[end] = 0;
	return end;
}

/* ---- processes --------------------------------------------------------------------------- */

/* Walks the environment one string at a time (not byte by byte): a few dozen steps per exec. */
struct env_scan {
	__u64 at;
	__u64 end;
	char *value;
	char *entry;
};

#define KEY "OTEL_SERVICE_NAME="
#define KEY_LEN 18
#define ENV_ENTRY 160
#define ENV_ENTRIES 512

static long find_service_name(__u64 i, void *arg)
{
	struct env_scan *e = arg;
	if (e->at >= e->end)
		return 1;
	long len = bpf_probe_read_user_str(e->entry, ENV_ENTRY, (void *)e->at);
	if (len <= 0)
		return 1;
	if (bpf_strncmp(e->entry, KEY_LEN, KEY) == 0) {
		bpf_probe_read_kernel_str(e->value, OISP_VALUE_MAX, e->entry + KEY_LEN);
		return 1;
	}
	if (len < ENV_ENTRY) {
		e->at += len;
		return 0;
	}
	/* Longer than we read: its NUL is further on; skip to it with a second read from there. */
	e->at += ENV_ENTRY - 1;
	for (int k = 0; k < 8; k++) {
		long more = bpf_probe_read_user_str(e->entry, ENV_ENTRY, (void *)e->at);
		if (more <= 0)
			return 1;
		if (more < ENV_ENTRY) {
			e->at += more;
			return 0;
		}
		e->at += ENV_ENTRY - 1;
	}
	return 1;
}

/* kernfs_node's parent is `__parent` since 6.15, `parent` before: whichever this kernel has. */
struct kernfs_node___new {
	struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node___new, __parent))
		return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

#define CGROUP_HALF (OISP_CGROUP_MAX / 2)

/* "parent/leaf" of a cgroup: container runtimes name one of the two after the container
 * (docker-ID.scope, cri-containerd-ID.scope, libpod-ID.scope, /docker/ID, /kubepods/.../ID). */
static __always_inline void read_cgroup_name(struct cgroup *cg, char *out)
{
	struct kernfs_node *kn = BPF_CORE_READ(cg, kn);
	if (!kn)
		return;
	__u64 at = 0;
	struct kernfs_node *parent = kn_parent(kn);
	if (parent) {
		long n = bpf_probe_read_kernel_str(out, CGROUP_HALF, BPF_CORE_READ(parent, name));
		if (n < 1)
			n = 1;
		if (n > CGROUP_HALF)
			n = CGROUP_HALF;
		out[(n - 1) & (CGROUP_HALF - 1)] = '/';
		at = n;
	}
	barrier_var(at);
	if (at > CGROUP_HALF)
		at = CGROUP_HALF;
	bpf_probe_read_kernel_str(out + at, CGROUP_HALF, BPF_CORE_READ(kn, name));
}

/* The cgroup a container id can be read from: the unified (v2) one, else, on a cgroup v1 host
 * where the process sits at the v2 root, the memory controller's. */
static __always_inline void read_cgroup(struct task_struct *task, char *out)
{
	out[0] = 0;
	struct css_set *cs = BPF_CORE_READ(task, cgroups);
	struct cgroup *dfl = BPF_CORE_READ(cs, dfl_cgrp);
	if (dfl && BPF_CORE_READ(dfl, kn) && kn_parent(BPF_CORE_READ(dfl, kn))) {
		read_cgroup_name(dfl, out);
		return;
	}
	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return;
	__u32 i = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);
	struct cgroup_subsys_state *css = NULL;
	bpf_probe_read_kernel(&css, sizeof(css), (void *)cs + bpf_core_field_offset(struct css_set, subsys) + (i & 15) * sizeof(css));
	if (css)
		read_cgroup_name(BPF_CORE_READ(css, cgroup), out);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = task->tgid;
	if (excluded(tgid))
		return 0;
	struct oisp_exec *r = scratch(0);
	union scratch *env = scratch(1);
	if (!r || !env)
		return 0;
	r->kind = OISP_REC_EXEC;
	r->pid = tgid;
	r->ts_ns = bpf_ktime_get_ns();
	r->start_ns = task->start_time;
	r->cgroup_id = bpf_get_current_cgroup_id();
	r->ppid = BPF_CORE_READ(task, real_parent, tgid);
	r->uid = (__u32)bpf_get_current_uid_gid();
	struct pid *tp = task->thread_pid;
	__u32 level = BPF_CORE_READ(tp, level);
	r->ns_pid = BPF_CORE_READ(tp, numbers[level & 7].nr);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	/* The executable's own path (as /proc/PID/exe says it: symlinks resolved), else the name exec'd. */
	struct file *exe_file = BPF_CORE_READ(task, mm, exe_file);
	if (exe_file) {
		struct path exe = BPF_CORE_READ(exe_file, f_path);
		read_path(&exe, r->filename);
	} else {
		bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), BPF_CORE_READ(bprm, filename));
	}
	struct path pwd = BPF_CORE_READ(task, fs, pwd);
	read_path(&pwd, r->cwd);
	read_cgroup(task, r->cgroup);

	/* argv: the new image's arg area, read before the process can run (or exit). */
	__u64 arg_start = BPF_CORE_READ(task, mm, arg_start);
	__u64 arg_end = BPF_CORE_READ(task, mm, arg_end);
	__u64 args = arg_end > arg_start ? arg_end - arg_start : 0;
	r->args_cut = args > OISP_ARGS_MAX;
	if (args > OISP_ARGS_MAX)
		args = OISP_ARGS_MAX;
	barrier_var(args);
	if (args > OISP_ARGS_MAX)
		args = OISP_ARGS_MAX;
	if (args > 0 && bpf_probe_read_user(r->args, args, (void *)arg_start) != 0)
		args = 0;
	r->args_len = args;

	/* OTEL_SERVICE_NAME, found in the environment here: the rest of it (secrets among it) never leaves the kernel. */
	r->service_name[0] = 0;
	struct env_scan scan = {
		.at = BPF_CORE_READ(task, mm, env_start),
		.end = BPF_CORE_READ(task, mm, env_end),
		.value = r->service_name,
		.entry = env->env,
	};
	bpf_loop(ENV_ENTRIES, find_service_name, &scan, 0);
	/* Only the argv bytes used go through the ring. */
	__u64 size = __builtin_offsetof(struct oisp_exec, args) + args;
	barrier_var(size);
	if (size > sizeof(*r))
		size = sizeof(*r);
	if (bpf_ringbuf_output(&events, r, size, 0) != 0)
		count_drop(0, 1);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	__u32 ctgid = child->tgid;
	if (ptgid == ctgid || excluded(ptgid))
		return 0; /* a thread, not a process */
	/* A new process of an agent is part of the agent. */
	if (bpf_map_lookup_elem(&marked_tgids, &ptgid)) {
		__u8 one = 1;
		bpf_map_update_elem(&marked_tgids, &ctgid, &one, BPF_ANY);
	}
	struct oisp_fork *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(0, 1);
		return 0;
	}
	r->kind = OISP_REC_FORK;
	r->pid = ctgid;
	r->ts_ns = bpf_ktime_get_ns();
	r->start_ns = child->start_time;
	r->ppid = ptgid;
	r->pad = 0;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

struct flush_ctx {
	__u32 tgid;
	__u64 ts;
};

static __always_inline void send_io(__u32 tgid, __s32 fd, struct io_acc *acc, __u64 ts, __u32 closed)
{
	if (acc->reads == 0 && acc->writes == 0)
		return;
	struct oisp_file_io *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(0, 1);
		return;
	}
	r->kind = OISP_REC_FILE_IO;
	r->pid = tgid;
	r->ts_ns = ts;
	r->fd = fd;
	r->closed = closed;
	r->read_bytes = acc->read_bytes;
	r->write_bytes = acc->write_bytes;
	r->reads = acc->reads;
	r->writes = acc->writes;
	bpf_ringbuf_submit(r, 0);
}

static long flush_process_files(struct bpf_map *map, struct fd_key *key, struct io_acc *acc, struct flush_ctx *ctx)
{
	if (key->tgid != ctx->tgid)
		return 0;
	send_io(key->tgid, key->fd, acc, ctx->ts, 1);
	bpf_map_delete_elem(map, key);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task, bool group_dead)
{
	__u32 tgid = task->tgid;
	if (!group_dead || excluded(tgid))
		return 0;
	__u64 ts = bpf_ktime_get_ns();
	/* Files still open when the process ends are closed by the kernel: their totals go now. */
	__u32 *open = bpf_map_lookup_elem(&open_counts, &tgid);
	if (open && *open > 0) {
		struct flush_ctx flush = { .tgid = tgid, .ts = ts };
		bpf_for_each_map_elem(&file_io, flush_process_files, &flush, 0);
	}
	bpf_map_delete_elem(&open_counts, &tgid);
	bpf_map_delete_elem(&marked_tgids, &tgid);
	struct oisp_exit *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(0, 1);
		return 0;
	}
	r->kind = OISP_REC_EXIT;
	r->pid = tgid;
	r->ts_ns = ts;
	r->start_ns = task->start_time;
	r->exit_code = task->exit_code;
	r->ppid = BPF_CORE_READ(task, real_parent, tgid);
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* ---- syscalls ---------------------------------------------------------------------------- */

static __always_inline void remember(__u64 id, struct pending_call *c)
{
	bpf_map_update_elem(&pending, &id, c, BPF_ANY);
}

static __always_inline int followed_fd(__u32 tgid, __s32 fd)
{
	struct fd_key k = { .tgid = tgid, .fd = fd };
	return bpf_map_lookup_elem(&file_io, &k) != NULL;
}

/* One 16 KiB chunk of a socket call's bytes, walking its iovecs (one, for read/write/send/recv). */
struct tcp_copy {
	struct payload_chunk *s;
	__u64 iov;       /* user pointer to struct iovec[], or 0 for a single buffer */
	__u64 buf;       /* the single buffer, or the current iovec's base */
	__u64 buf_left;  /* bytes left in the current buffer */
	__u32 iov_left;  /* iovecs after the current one */
	__u32 pad;
	__u64 left;      /* bytes of the call still to copy */
	__u64 offset;    /* connection offset of the next byte */
};

static long tcp_copy_chunk(__u64 i, void *arg)
{
	struct tcp_copy *c = arg;
	if (c->left == 0)
		return 1;
	if (c->buf_left == 0) {
		/* The next iovec (an empty one takes a step of its own). */
		if (c->iov == 0 || c->iov_left == 0)
			return 1;
		struct iovec v = {};
		if (bpf_probe_read_user(&v, sizeof(v), (void *)c->iov) != 0)
			return 1;
		c->iov += sizeof(struct iovec);
		c->iov_left--;
		c->buf = (__u64)v.iov_base;
		c->buf_left = v.iov_len;
		if (c->buf_left == 0)
			return 0;
	}
	__u64 len = c->left < c->buf_left ? c->left : c->buf_left;
	if (len > OISP_CHUNK_MAX)
		len = OISP_CHUNK_MAX;
	if (len == 0)
		return 1;
	send_chunk(c->s, c->buf, len, c->offset);
	c->buf += len;
	c->buf_left -= len;
	c->left -= len;
	c->offset += len;
	return 0;
}

static __always_inline void plain_close(struct fd_key *k, __u64 id)
{
	struct sock_state *st = bpf_map_lookup_elem(&plain_socks, k);
	if (!st)
		return;
	struct oisp_tls_close *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (r) {
		r->kind = OISP_REC_TCP_CLOSE;
		r->generation = st->generation;
		r->ts_ns = bpf_ktime_get_ns();
		r->ssl_ptr = k->fd;
		r->pid = k->tgid;
		r->tid = (__u32)id;
		r->egress_bytes = st->egress;
		r->ingress_bytes = st->ingress;
		bpf_ringbuf_submit(r, 0);
	} else
		count_drop(0, 1);
	bpf_map_delete_elem(&plain_socks, k);
}

/* A socket call returned `ret` bytes: send them, chunk by chunk, from the caller's buffers. */
static __always_inline void on_socket_exit(__u64 id, struct pending_call *c, long ret)
{
	__u32 tgid = id >> 32;
	struct fd_key k = { .tgid = tgid, .fd = c->fd };
	struct sock_state *st = bpf_map_lookup_elem(&plain_socks, &k);
	if (!st)
		return;
	__u32 nr = c->nr;
	int egress = nr == NR_write || nr == NR_writev || nr == NR_sendto || nr == NR_sendmsg;
	__u32 zero = 0;
	struct payload_chunk *s = bpf_map_lookup_elem(&payload_space, &zero);
	if (!s)
		return;
	struct tcp_copy copy = { .s = s, .left = ret };
	if (nr == NR_readv || nr == NR_writev) {
		copy.iov = c->ptr;
		copy.iov_left = c->len;
	} else if (nr == NR_sendmsg || nr == NR_recvmsg) {
		struct user_msghdr msg = {};
		if (bpf_probe_read_user(&msg, sizeof(msg), (void *)c->ptr) != 0)
			return;
		copy.iov = (__u64)msg.msg_iov;
		copy.iov_left = msg.msg_iovlen;
	} else {
		copy.buf = c->ptr;
		copy.buf_left = ret;
	}
	/* TLS over a plain port is the TLS capture's: the first bytes of a handshake end this one. */
	if (egress && st->egress == 0 && copy.iov == 0) {
		__u8 head[2] = {};
		bpf_probe_read_user(head, sizeof(head), (void *)copy.buf);
		if (head[0] == 0x16 && head[1] == 0x03) {
			bpf_map_delete_elem(&plain_socks, &k);
			return;
		}
	}
	__u64 *off = egress ? &st->egress : &st->ingress;
	copy.offset = __sync_fetch_and_add(off, (__u64)ret);
	s->hdr.kind = OISP_REC_TCP_DATA;
	s->hdr.ts_ns = bpf_ktime_get_ns();
	s->hdr.ssl_ptr = c->fd;
	s->hdr.pid = tgid;
	s->hdr.tid = (__u32)id;
	s->hdr.direction = egress ? OISP_DIR_EGRESS : OISP_DIR_INGRESS;
	s->hdr.generation = st->generation;
	bpf_get_current_comm(s->hdr.comm, sizeof(s->hdr.comm));
	s->hdr.lib = 0;
	bpf_loop((ret + OISP_CHUNK_MAX - 1) / OISP_CHUNK_MAX + 64, tcp_copy_chunk, &copy, 0);
}

/* ---- connects ------------------------------------------------------------------------------ */

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define EAGAIN 11
#define EINTR 4
#define EINPROGRESS 115
#define ECONNABORTED 103

/* Where a TCP connect stands: its syscall is running (IN_SYSCALL), returned EINPROGRESS
 * (RETURNED), or the handshake ended before it returned (DONE_IN_SYSCALL: on loopback the
 * SYN-ACK is often handled inside connect() itself). Moved by compare-and-swap: the state change
 * runs in softirq context, maybe on another CPU. */
#define IN_SYSCALL 0
#define RETURNED 1
#define DONE_IN_SYSCALL 2

struct connecting {
	__u64 started_ns;
	__u32 tgid;
	__u32 tid;
	__s32 fd;
	__s32 result; /* 0, or -errno: set before phase becomes DONE_IN_SYSCALL */
	__u32 phase;
	__u32 pad;
};

/* TCP connects under way, by socket: the state change that ends the handshake says how it went. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct connecting);
} connecting SEC(".maps");

/* The socket behind a process's fd, or NULL (not a socket: its file is not the socket's file). */
static __always_inline struct sock *fd_sock(struct task_struct *task, __s32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd & 0xfffff]);
	if (!f)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (!sock || BPF_CORE_READ(sock, file) != f)
		return NULL;
	return BPF_CORE_READ(sock, sk);
}

static __always_inline int is_tcp(struct sock *sk)
{
	return sk && BPF_CORE_READ(sk, sk_type) == SOCK_STREAM && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_TCP;
}

/* A socket's two ends: the peer's address and port, and its own. */
static __always_inline void sock_addrs(struct sock *sk, __u16 *family, __u16 *port, __u8 *addr, __u16 *local_port, __u8 *local_addr)
{
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	*port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	*local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (*family == AF_INET) {
		bpf_core_read(addr, 4, &sk->__sk_common.skc_daddr);
		bpf_core_read(local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
	} else {
		bpf_core_read(addr, 16, &sk->__sk_common.skc_v6_daddr);
		bpf_core_read(local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	}
}

/* A socket write by a thread that just called into a TLS connection of unknown socket (tls_pending,
 * set by ssl.bpf.c): if it is a TCP socket, it is that connection's. One try per SSL call. */
static __always_inline void tls_socket_seen(__u64 id, __s32 fd)
{
	__u64 *ssl = bpf_map_lookup_elem(&tls_pending, &id);
	if (!ssl)
		return;
	struct tls_conn_key k = { .tgid = id >> 32, .ssl = *ssl };
	bpf_map_delete_elem(&tls_pending, &id);
	struct sock *sk = fd_sock(bpf_get_current_task_btf(), fd);
	if (!is_tcp(sk))
		return;
	struct tls_sock v = { .fd = fd };
	sock_addrs(sk, &v.family, &v.port, v.addr, &v.local_port, v.local_addr);
	bpf_map_update_elem(&tls_socks, &k, &v, BPF_NOEXIST);
}

/* connect() on a TCP socket begins: remembered by socket, for the handshake's outcome. */
static __always_inline void watch_connect(__u64 id, __s32 fd, __u64 addr)
{
	__u16 family = 0;
	bpf_probe_read_user(&family, sizeof(family), (void *)addr);
	if (family != AF_INET && family != AF_INET6)
		return;
	struct sock *sk = fd_sock(bpf_get_current_task_btf(), fd);
	if (!is_tcp(sk))
		return;
	__u64 key = (__u64)sk;
	struct connecting w = { .started_ns = bpf_ktime_get_ns(), .tgid = id >> 32, .tid = (__u32)id, .fd = fd, .phase = IN_SYSCALL };
	bpf_map_update_elem(&connecting, &key, &w, BPF_ANY);
}

/* A zeroed connect record of `kind` in the ring, or NULL (the drop counted). */
static __always_inline struct oisp_connect *connect_record(__u32 kind)
{
	struct oisp_connect *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(0, 1);
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->kind = kind;
	return r;
}

/* A non-blocking connect's outcome: addresses from the socket itself. */
static __always_inline void send_connect_done(struct sock *sk, struct connecting *w, __u64 ts, __s32 result)
{
	struct oisp_connect *r = connect_record(OISP_REC_CONNECT_DONE);
	if (!r)
		return;
	r->pid = w->tgid;
	r->tid = w->tid;
	r->ts_ns = ts;
	r->started_ns = w->started_ns;
	r->fd = w->fd;
	r->ret = result;
	sock_addrs(sk, &r->family, &r->port, r->addr, &r->local_port, r->local_addr);
	r->protocol = IPPROTO_TCP;
	bpf_ringbuf_submit(r, 0);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_sock_state, const struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != TCP_SYN_SENT)
		return 0;
	__u64 key = (__u64)sk;
	struct connecting *w = bpf_map_lookup_elem(&connecting, &key);
	if (!w)
		return 0;
	__s32 result = 0;
	if (newstate != TCP_ESTABLISHED) {
		/* Refused or timed out: the error the socket reports; closed before it connected: aborted. */
		int err = BPF_CORE_READ(sk, sk_err);
		result = err ? -err : -ECONNABORTED;
	}
	w->result = result;
	if (__sync_val_compare_and_swap(&w->phase, IN_SYSCALL, DONE_IN_SYSCALL) == IN_SYSCALL)
		return 0; /* connect() is still running: its exit reports both */
	struct connecting done = *w;
	bpf_map_delete_elem(&connecting, &key);
	send_connect_done((struct sock *)sk, &done, bpf_ktime_get_ns(), result);
	return 0;
}

/* ---- QUIC (UDP 443) ------------------------------------------------------------------------- */

/* QUIC encrypts inside the program (no SSL_write to hook): what can be said is that a process
 * talks it. A connected UDP socket says so by its connect (a network.connect record, protocol
 * UDP); an unconnected one names its peer in each send, so the first datagram a process sends to
 * each QUIC destination is reported at the send's exit, and no later one (quic_seen). A send
 * without an address (or to another port) costs a register read, or one 8-byte user read for
 * sendmsg/sendmmsg, plus a 4-byte one when it names an address. */

#define PENDING_SOCKET 1     /* pending_call.flags: a plain-port socket call (its bytes are captured) */
#define PENDING_QUIC_SEND 2  /* the first send of this process to a QUIC destination */

struct quic_key {
	__u64 start_ns; /* the process's start: a reused pid is another process */
	__u32 tgid;
	__u16 family;
	__u16 port;
	__u8 addr[16];
};

/* QUIC destinations already reported, per process. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct quic_key);
	__type(value, __u8);
} quic_seen SEC(".maps");

static __always_inline int is_udp(struct sock *sk)
{
	return sk && BPF_CORE_READ(sk, sk_type) == SOCK_DGRAM && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_UDP;
}

/* The destination a send names, as a quic_seen key: 0 when it names none or not a QUIC port. */
static __always_inline int quic_destination(__u64 id, __u64 sockaddr, struct quic_key *k)
{
	struct { __u16 family; __u16 port_be; } head = {};
	if (!sockaddr || bpf_probe_read_user(&head, sizeof(head), (void *)sockaddr) != 0)
		return 0;
	if (head.port_be != bpf_htons(OISP_QUIC_PORT) || (head.family != AF_INET && head.family != AF_INET6))
		return 0;
	k->start_ns = BPF_CORE_READ(bpf_get_current_task_btf(), group_leader, start_time);
	k->tgid = id >> 32;
	k->family = head.family;
	k->port = OISP_QUIC_PORT;
	if (head.family == AF_INET)
		bpf_probe_read_user(k->addr, 4, (void *)(sockaddr + 4));
	else
		bpf_probe_read_user(k->addr, 16, (void *)(sockaddr + 8));
	return 1;
}

/* The address a send names: sendto's dest_addr, sendmsg's msg_name, the first message's for
 * sendmmsg (a struct mmsghdr begins with its user_msghdr, which begins with msg_name); or 0. */
static __always_inline __u64 send_address(long nr, struct pt_regs *regs)
{
	if (nr == NR_sendto)
		return PT_REGS_PARM5_CORE_SYSCALL(regs);
	__u64 name = 0;
	bpf_probe_read_user(&name, sizeof(name), (void *)PT_REGS_PARM2_CORE_SYSCALL(regs));
	return name;
}

/* A send entering: if it is a process's first to this QUIC destination on a UDP socket, its exit
 * reports it (the process is flagged so that the exit is looked at, until then). */
static __always_inline int quic_send_enter(__u64 id, long nr, struct pt_regs *regs)
{
	__u64 sockaddr = send_address(nr, regs);
	struct quic_key k = {};
	if (!quic_destination(id, sockaddr, &k) || bpf_map_lookup_elem(&quic_seen, &k) || excluded(id >> 32))
		return 0;
	__s32 fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
	if (!is_udp(fd_sock(bpf_get_current_task_btf(), fd)))
		return 0; /* TCP Fast Open's sendto names an address too */
	struct pending_call c = { .nr = nr, .fd = fd, .fd2 = -1, .flags = PENDING_QUIC_SEND, .ptr = sockaddr };
	remember(id, &c);
	flag_process(HAS_QUIC_SEND);
	return 1;
}

/* That send returned: reported once per process and destination (a send that must be retried,
 * EAGAIN or EINTR, is left to its retry). */
static __always_inline void quic_send_exit(__u64 id, struct pending_call *c, long ret)
{
	unflag_process(HAS_QUIC_SEND);
	if (ret == -EAGAIN || ret == -EINTR)
		return;
	struct quic_key k = {};
	if (!quic_destination(id, c->ptr, &k))
		return;
	__u8 one = 1;
	if (bpf_map_update_elem(&quic_seen, &k, &one, BPF_NOEXIST) != 0)
		return; /* another thread's send reported it */
	struct oisp_connect *r = connect_record(OISP_REC_UDP_SEND);
	if (!r)
		return;
	r->pid = k.tgid;
	r->tid = (__u32)id;
	r->ts_ns = bpf_ktime_get_ns();
	r->fd = c->fd;
	r->ret = ret < 0 ? ret : 0;
	r->family = k.family;
	r->port = OISP_QUIC_PORT;
	__builtin_memcpy(r->addr, k.addr, sizeof(r->addr));
	r->protocol = IPPROTO_UDP;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	struct sock *sk = fd_sock(bpf_get_current_task_btf(), c->fd);
	if (sk) {
		__u16 family, port;
		__u8 peer[16];
		sock_addrs(sk, &family, &port, peer, &r->local_port, r->local_addr);
	}
	bpf_ringbuf_submit(r, 0);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs *regs, long nr)
{
	switch (nr) {
	case NR_openat: case NR_openat2: case NR_close: case NR_connect:
	case NR_read: case NR_write: case NR_pread64: case NR_pwrite64: case NR_readv: case NR_writev:
	case NR_sendfile: case NR_splice: case NR_copy_file_range:
	case NR_dup: case NR_dup2: case NR_dup3: case NR_fcntl:
	case NR_sendto: case NR_recvfrom: case NR_sendmsg: case NR_recvmsg:
	case NR_sendmmsg:
		break;
	default:
		return 0;
	}
	if ((nr == NR_sendto || nr == NR_sendmsg || nr == NR_sendmmsg) && quic_send_enter(bpf_get_current_pid_tgid(), nr, regs))
		return 0;
	if (nr == NR_sendmmsg)
		return 0;
	/* Reads, writes, sends and receives of a process with nothing to follow: the common case, done first. */
	__u32 flags = data_syscall(nr) ? process_flags() : 0;
	if (data_syscall(nr) && flags == 0)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	if (excluded(tgid))
		return 0;
	if ((flags & HAS_TLS_UNRESOLVED) && (nr == NR_write || nr == NR_writev || nr == NR_sendto || nr == NR_sendmsg))
		tls_socket_seen(id, PT_REGS_PARM1_CORE_SYSCALL(regs));
	struct pending_call c = { .nr = nr };
	switch (nr) {
	case NR_openat:
	case NR_openat2:
		if (!files_followed(tgid))
			return 0;
		c.fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
		c.ptr = PT_REGS_PARM2_CORE_SYSCALL(regs);
		if (nr == NR_openat) {
			c.flags = PT_REGS_PARM3_CORE_SYSCALL(regs);
		} else {
			__u64 flags = 0;
			bpf_probe_read_user(&flags, sizeof(flags), (void *)PT_REGS_PARM3_CORE_SYSCALL(regs));
			c.flags = flags;
		}
		remember(id, &c);
		return 0;
	case NR_close: {
		struct fd_key k = { .tgid = tgid, .fd = PT_REGS_PARM1_CORE_SYSCALL(regs) };
		plain_close(&k, id);
		struct io_acc *acc = bpf_map_lookup_elem(&file_io, &k);
		if (acc) {
			send_io(tgid, k.fd, acc, bpf_ktime_get_ns(), 1);
			unfollow(tgid, &k);
		}
		return 0;
	}
	case NR_connect:
		c.fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
		c.ptr = PT_REGS_PARM2_CORE_SYSCALL(regs);
		c.len = PT_REGS_PARM3_CORE_SYSCALL(regs);
		remember(id, &c);
		watch_connect(id, c.fd, c.ptr);
		return 0;
	case NR_fcntl: {
		__u32 cmd = PT_REGS_PARM2_CORE_SYSCALL(regs);
		if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC)
			return 0;
	}
		/* fallthrough */
	case NR_dup:
	case NR_dup2:
	case NR_dup3:
		c.fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
		if (nr == NR_dup2 || nr == NR_dup3) {
			/* The target fd is closed first if open: a followed one ends here. */
			struct fd_key k = { .tgid = tgid, .fd = PT_REGS_PARM2_CORE_SYSCALL(regs) };
			struct io_acc *acc = bpf_map_lookup_elem(&file_io, &k);
			if (acc && k.fd != c.fd) {
				send_io(tgid, k.fd, acc, bpf_ktime_get_ns(), 1);
				unfollow(tgid, &k);
			}
		}
		if (followed_fd(tgid, c.fd))
			remember(id, &c);
		return 0;
	case NR_sendfile:
		/* sendfile(out_fd, in_fd, ...) */
		c.fd2 = PT_REGS_PARM1_CORE_SYSCALL(regs);
		c.fd = PT_REGS_PARM2_CORE_SYSCALL(regs);
		break;
	case NR_splice:
	case NR_copy_file_range:
		/* (fd_in, off_in, fd_out, ...) */
		c.fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
		c.fd2 = PT_REGS_PARM3_CORE_SYSCALL(regs);
		break;
	default:
		c.fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
		c.fd2 = -1;
	}
	/* A plain-port socket: its bytes are captured at exit, from the caller's buffers. */
	if (nr == NR_read || nr == NR_write || nr == NR_readv || nr == NR_writev || nr == NR_sendto || nr == NR_recvfrom || nr == NR_sendmsg || nr == NR_recvmsg) {
		struct fd_key sk = { .tgid = tgid, .fd = c.fd };
		if (bpf_map_lookup_elem(&plain_socks, &sk)) {
			c.flags = PENDING_SOCKET;
			c.ptr = PT_REGS_PARM2_CORE_SYSCALL(regs);
			c.len = PT_REGS_PARM3_CORE_SYSCALL(regs);
			remember(id, &c);
			return 0;
		}
		if (nr == NR_sendto || nr == NR_recvfrom || nr == NR_sendmsg || nr == NR_recvmsg)
			return 0;
	}
	if (nr == NR_write || nr == NR_pwrite64 || nr == NR_writev) {
		c.fd2 = c.fd;
		c.fd = -1;
	}
	if ((c.fd >= 0 && followed_fd(tgid, c.fd)) || (c.fd2 >= 0 && followed_fd(tgid, c.fd2)))
		remember(id, &c);
	return 0;
}

static __always_inline void add_io(__u32 tgid, __s32 fd, long bytes, int write)
{
	struct fd_key k = { .tgid = tgid, .fd = fd };
	struct io_acc *acc = bpf_map_lookup_elem(&file_io, &k);
	if (!acc)
		return;
	if (write) {
		__sync_fetch_and_add(&acc->write_bytes, bytes);
		__sync_fetch_and_add(&acc->writes, 1);
	} else {
		__sync_fetch_and_add(&acc->read_bytes, bytes);
		__sync_fetch_and_add(&acc->reads, 1);
	}
	/* A file kept open (a log, a database) reports while in use, not only when it is closed. */
	__u32 zero = 0;
	struct oisp_sys_settings *s = bpf_map_lookup_elem(&sys_settings, &zero);
	__u64 every = s ? s->io_flush_ns : 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 since = acc->since;
	if (every == 0 || now - since < every || __sync_val_compare_and_swap(&acc->since, since, now) != since)
		return; /* not due, or another thread flushes it */
	/* Taken by exchange: what other threads add meanwhile goes into the next totals. */
	struct io_acc part = {
		.read_bytes = __sync_lock_test_and_set(&acc->read_bytes, 0),
		.write_bytes = __sync_lock_test_and_set(&acc->write_bytes, 0),
		.reads = __sync_lock_test_and_set(&acc->reads, 0),
		.writes = __sync_lock_test_and_set(&acc->writes, 0),
	};
	send_io(tgid, fd, &part, now, 0);
}

static __always_inline void on_open_exit(__u64 id, struct pending_call *c, long ret, struct task_struct *task)
{
	__u32 tgid = id >> 32;
	struct oisp_file_open *r = scratch(0);
	if (!r)
		return;
	r->kind = OISP_REC_FILE_OPEN;
	r->pid = tgid;
	r->tid = (__u32)id;
	r->ts_ns = bpf_ktime_get_ns();
	r->fd = ret;
	r->dirfd = c->fd;
	r->flags = c->flags;
	r->resolved = 0;
	__u64 len = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	if (ret >= 0) {
		/* The opened file's own path: absolute, whatever the cwd, dirfd or symlinks were. */
		struct file **fds = BPF_CORE_READ(task, files, fdt, fd);
		struct file *f = NULL;
		bpf_probe_read_kernel(&f, sizeof(f), &fds[ret & 0xffff]);
		if (f) {
			struct path fp = BPF_CORE_READ(f, f_path);
			len = read_path(&fp, r->path) + 1;
			r->resolved = 1;
		}
		follow(tgid, ret);
	}
	if (!r->resolved) {
		long n = bpf_probe_read_user_str(r->path, sizeof(r->path), (void *)c->ptr);
		if (n < 1) {
			r->path[0] = 0;
			n = 1;
		}
		len = n;
	}
	/* Only the path's bytes go through the ring. */
	__u64 size = __builtin_offsetof(struct oisp_file_open, path) + len;
	barrier_var(size);
	if (size > sizeof(*r))
		size = sizeof(*r);
	if (bpf_ringbuf_output(&events, r, size, 0) != 0)
		count_drop(0, 1);
}

static __always_inline void on_connect_exit(__u64 id, struct pending_call *c, long ret)
{
	__u32 tgid = id >> 32;
	__u16 family = 0;
	bpf_probe_read_user(&family, sizeof(family), (void *)c->ptr);
	if (family != AF_INET && family != AF_INET6)
		return; /* unix sockets and the rest: not network */
	struct oisp_connect *r = connect_record(OISP_REC_CONNECT);
	if (!r)
		return;
	r->pid = tgid;
	r->tid = (__u32)id;
	r->ts_ns = bpf_ktime_get_ns();
	r->fd = c->fd;
	r->ret = ret;
	r->family = family;
	__u16 port_be = 0;
	bpf_probe_read_user(&port_be, sizeof(port_be), (void *)(c->ptr + 2));
	r->port = bpf_ntohs(port_be);
	if (family == AF_INET)
		bpf_probe_read_user(r->addr, 4, (void *)(c->ptr + 4));
	else
		bpf_probe_read_user(r->addr, 16, (void *)(c->ptr + 8));
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	struct sock *sk = fd_sock(bpf_get_current_task_btf(), c->fd);
	if (sk) {
		__u16 family, port;
		__u8 peer[16];
		sock_addrs(sk, &family, &port, peer, &r->local_port, r->local_addr);
		r->protocol = BPF_CORE_READ(sk, sk_protocol);
	}
	__u16 port = r->port;
	__s32 fd = c->fd;
	bpf_ringbuf_submit(r, 0);
	/* A TCP connect watched since its entry: reported now if its handshake already ended,
	 * else when it does (on_sock_state). */
	__u64 key = (__u64)sk;
	struct connecting *w = sk ? bpf_map_lookup_elem(&connecting, &key) : NULL;
	if (w) {
		if (ret != -EINPROGRESS) {
			bpf_map_delete_elem(&connecting, &key);
		} else if (__sync_val_compare_and_swap(&w->phase, IN_SYSCALL, RETURNED) == DONE_IN_SYSCALL) {
			/* Ended inside connect() itself: reported as of its return, after the call's own record. */
			struct connecting done = *w;
			bpf_map_delete_elem(&connecting, &key);
			send_connect_done(sk, &done, bpf_ktime_get_ns(), done.result);
		}
	}
	/* A connection to a plain port: its bytes are captured from here (a reused fd starts a new generation). */
	if ((ret == 0 || ret == -EINPROGRESS) && bpf_map_lookup_elem(&plain_ports, &port) && traced(tgid)) {
		struct fd_key k = { .tgid = tgid, .fd = fd };
		__u32 *g = bpf_map_lookup_elem(&plain_gen, &k);
		__u32 gen = g ? *g + 1 : 0;
		bpf_map_update_elem(&plain_gen, &k, &gen, BPF_ANY);
		struct sock_state st = { .generation = gen };
		bpf_map_update_elem(&plain_socks, &k, &st, BPF_ANY);
		flag_process(HAS_PLAIN_SOCKETS);
	}
	/* A connect to a local model server's port marks the process as an agent. */
	if (bpf_map_lookup_elem(&ai_ports, &port)) {
		__u8 one = 1;
		bpf_map_update_elem(&marked_tgids, &tgid, &one, BPF_ANY);
	}
}

static __always_inline void on_dup_exit(__u32 tgid, __s32 oldfd, __s32 newfd)
{
	follow(tgid, newfd);
	struct oisp_file_dup *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(0, 1);
		return;
	}
	r->kind = OISP_REC_FILE_DUP;
	r->pid = tgid;
	r->ts_ns = bpf_ktime_get_ns();
	r->oldfd = oldfd;
	r->newfd = newfd;
	bpf_ringbuf_submit(r, 0);
}

/* The syscalls whose exit we look at: any other returns at once (this runs for every syscall). */
static __always_inline int exit_wanted(long nr)
{
	switch (nr) {
	case NR_openat: case NR_openat2: case NR_connect:
	case NR_read: case NR_write: case NR_pread64: case NR_pwrite64: case NR_readv: case NR_writev:
	case NR_sendfile: case NR_splice: case NR_copy_file_range:
	case NR_dup: case NR_dup2: case NR_dup3: case NR_fcntl:
	case NR_sendto: case NR_recvfrom: case NR_sendmsg: case NR_recvmsg:
	case NR_sendmmsg:
		return 1;
	default:
		return 0;
	}
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
#if defined(__TARGET_ARCH_x86)
	long nr = BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	long nr = BPF_CORE_READ(regs, syscallno);
#endif
	if (!exit_wanted(nr) || ((data_syscall(nr) || nr == NR_sendmmsg) && process_flags() == 0))
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	struct pending_call *p = bpf_map_lookup_elem(&pending, &id);
	if (!p)
		return 0;
	struct pending_call c = *p;
	bpf_map_delete_elem(&pending, &id);
	__u32 tgid = id >> 32;
	if (c.flags == PENDING_QUIC_SEND) {
		if (c.nr == nr)
			quic_send_exit(id, &c, ret);
		return 0;
	}
	switch (c.nr) {
	case NR_openat:
	case NR_openat2:
		on_open_exit(id, &c, ret, bpf_get_current_task_btf());
		return 0;
	case NR_connect:
		on_connect_exit(id, &c, ret);
		return 0;
	case NR_dup:
	case NR_dup2:
	case NR_dup3:
	case NR_fcntl:
		if (ret >= 0 && ret != c.fd)
			on_dup_exit(tgid, c.fd, ret);
		return 0;
	default:
		if (ret <= 0)
			return 0;
		if (c.flags == PENDING_SOCKET) {
			on_socket_exit(id, &c, ret);
			return 0;
		}
		if (c.fd >= 0)
			add_io(tgid, c.fd, ret, 0);
		if (c.fd2 >= 0)
			add_io(tgid, c.fd2, ret, 1);
	}
	return 0;
}
