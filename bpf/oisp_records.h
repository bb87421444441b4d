/* Record layouts shared by the BPF programs and the TypeScript decoder
 * (packages/receiver-ebpf/src/internal/records.ts); a test checks that both agree. */
#ifndef OISP_RECORDS_H
#define OISP_RECORDS_H

#define OISP_CHUNK_MAX 16384

enum oisp_record_kind {
	OISP_REC_TLS_DATA = 1,
	OISP_REC_TLS_CLOSE = 2,
	OISP_REC_TLS_SNI = 3,
	OISP_REC_TLS_SOCKET = 4,
	/* sys.bpf.c */
	OISP_REC_EXEC = 10,
	OISP_REC_EXIT = 11,
	OISP_REC_FILE_OPEN = 12,
	OISP_REC_FILE_IO = 13,
	OISP_REC_CONNECT = 14,
	OISP_REC_FILE_DUP = 15,
	OISP_REC_FORK = 16,
	/* Plaintext on sockets to configured ports (sys.bpf.c): struct oisp_tls_data / oisp_tls_close
	 * laid out the same, ssl_ptr holding the socket's fd. */
	OISP_REC_TCP_DATA = 17,
	OISP_REC_TCP_CLOSE = 18,
	/* A non-blocking connect's outcome, when the handshake ends: struct oisp_connect. */
	OISP_REC_CONNECT_DONE = 19,
	/* The first datagram a process sent to a QUIC port (UDP 443) on a socket it never connected
	 * (sendto/sendmsg/sendmmsg with an address), once per process and destination: struct
	 * oisp_connect, ret the send's result, started_ns 0. */
	OISP_REC_UDP_SEND = 20,
};

/* The port whose UDP traffic is QUIC (HTTP/3): encrypted inside the program, so invisible to TLS
 * capture; what sys.bpf.c reports of it is that it happened. */
#define OISP_QUIC_PORT 443

#define OISP_SNI_MAX 256

enum oisp_direction {
	OISP_DIR_EGRESS = 0, /* SSL_write: bytes the process sent */
	OISP_DIR_INGRESS = 1, /* SSL_read: bytes the process received */
};

/* One plaintext chunk. The payload (len bytes) follows the header in the same ring record. */
struct oisp_tls_data {
	__u32 kind;      /* OISP_REC_TLS_DATA */
	__u32 len;       /* payload bytes after this header */
	__u64 ts_ns;     /* bpf_ktime_get_ns (CLOCK_MONOTONIC) at return */
	__u64 ssl_ptr;   /* the SSL* of the connection */
	__u64 offset;    /* byte offset of the payload in this direction of this connection */
	__u32 pid;       /* tgid */
	__u32 tid;
	__u32 direction; /* enum oisp_direction */
	__u32 generation;
	char comm[16];
	__u64 lib;       /* which hooked file the call ran in (its attach cookie); 0 for plain sockets */
};

/* SSL_free: the connection (this generation of the SSL pointer) is over. */
struct oisp_tls_close {
	__u32 kind;      /* OISP_REC_TLS_CLOSE */
	__u32 generation;
	__u64 ts_ns;
	__u64 ssl_ptr;
	__u32 pid;
	__u32 tid;
	__u64 egress_bytes;  /* all bytes written on the connection, captured or not */
	__u64 ingress_bytes; /* all bytes read */
	__u32 reason;        /* enum oisp_close_reason */
	__u32 pad;
};

/* Why a TLS connection ended. */
enum oisp_close_reason {
	OISP_CLOSE_FREE = 0,      /* SSL_free */
	OISP_CLOSE_HANDSHAKE = 1, /* a handshake on a pointer that carried data: the library reused it
	                             for a new connection (where SSL_free is not hooked) */
};

/* SSL_ctrl(SSL_CTRL_SET_TLSEXT_HOSTNAME): the server name the client asked for. */
struct oisp_tls_sni {
	__u32 kind;      /* OISP_REC_TLS_SNI */
	__u32 generation;
	__u64 ts_ns;
	__u64 ssl_ptr;
	__u32 pid;
	__u32 tid;
	char name[OISP_SNI_MAX];
};

/* The socket a TLS connection runs over, sent once, before the first chunk that follows its discovery
 * (sys.bpf.c finds it: the socket write a thread makes inside or just after an SSL_* call). */
struct oisp_tls_socket {
	__u32 kind;      /* OISP_REC_TLS_SOCKET */
	__u32 generation;
	__u64 ts_ns;
	__u64 ssl_ptr;
	__u32 pid;
	__u32 tid;
	__s32 fd;
	__u16 family;
	__u16 port;       /* the peer's, host order */
	__u16 local_port;
	__u16 pad[3];
	__u8 addr[16];    /* the peer's; IPv4 in the first 4 bytes */
	__u8 local_addr[16];
};

#define OISP_PATH_MAX 1024  /* a path as the kernel knows it, resolved from its dentries */
#define OISP_ARGS_MAX 2048  /* argv, NUL-separated, cut here */
#define OISP_VALUE_MAX 128  /* OTEL_SERVICE_NAME's value */
#define OISP_CGROUP_MAX 256 /* "parent/leaf" of the process's cgroup: where a container id lives */

/* sched_process_exec: what a short tool is, read before it can exit. Sent up to the argv bytes
 * used (args_len), not the whole struct. */
struct oisp_exec {
	__u32 kind;       /* OISP_REC_EXEC */
	__u32 pid;        /* tgid */
	__u64 ts_ns;
	__u64 start_ns;   /* task start (boot ns): (pid, start_ns) is the process key */
	__u64 cgroup_id;
	__u32 ppid;
	__u32 uid;
	__u32 ns_pid;     /* pid in its own pid namespace */
	__u32 args_len;   /* bytes of args used (the argv area may be longer: args_cut) */
	__u32 args_cut;
	__u32 pad;
	char comm[16];
	char filename[OISP_PATH_MAX];
	char cwd[OISP_PATH_MAX];
	char service_name[OISP_VALUE_MAX]; /* OTEL_SERVICE_NAME, empty when unset */
	char cgroup[OISP_CGROUP_MAX]; /* the cgroup v2 one, else the memory controller's (cgroup v1) */
	char args[OISP_ARGS_MAX];
};

/* sched_process_exit of the last thread: the process is over. */
struct oisp_exit {
	__u32 kind;       /* OISP_REC_EXIT */
	__u32 pid;
	__u64 ts_ns;
	__u64 start_ns;
	__u32 exit_code;  /* the wait status: code << 8 | signal */
	__u32 ppid;
	char comm[16];
};

/* openat / openat2 returned. Sent up to the path's NUL, not the whole struct. */
struct oisp_file_open {
	__u32 kind;       /* OISP_REC_FILE_OPEN */
	__u32 pid;
	__u64 ts_ns;
	__u32 tid;
	__s32 fd;         /* the result: an fd, or -errno */
	__s32 dirfd;
	__u32 flags;
	__u32 resolved;   /* 1: path is the opened file's full path; 0: the path as the caller gave it */
	__u32 pad;
	char comm[16];
	char path[OISP_PATH_MAX];
};

/* Bytes moved through one open file, summed in the kernel and sent when it is closed (or the
 * process exits), and every io_flush_ns while it is in use: read/pread/readv, write/pwrite/writev,
 * and the kernel-side copies. */
struct oisp_file_io {
	__u32 kind;       /* OISP_REC_FILE_IO */
	__u32 pid;
	__u64 ts_ns;
	__s32 fd;
	__u32 closed;     /* 1: the file's last totals (closed, or its process ended); 0: more may follow */
	__u64 read_bytes;
	__u64 write_bytes;
	__u32 reads;
	__u32 writes;
};

/* connect returned (OISP_REC_CONNECT), or a non-blocking one finished its handshake
 * (OISP_REC_CONNECT_DONE: ts_ns is when, started_ns when connect was called, ret its outcome), or
 * the first datagram to a QUIC port went out on an unconnected UDP socket (OISP_REC_UDP_SEND). */
struct oisp_connect {
	__u32 kind;       /* OISP_REC_CONNECT, OISP_REC_CONNECT_DONE */
	__u32 pid;
	__u64 ts_ns;
	__u32 tid;
	__s32 fd;
	__s32 ret;        /* 0, or -errno (-EINPROGRESS for a non-blocking connect under way) */
	__u16 family;
	__u16 port;       /* host order */
	__u8 addr[16];    /* IPv4 in the first 4 bytes */
	char comm[16];
	__u64 started_ns;
	__u16 local_port; /* host order; 0 when the socket has none yet */
	__u16 protocol;   /* the socket's: IPPROTO_TCP (6), IPPROTO_UDP (17); 0 when not known */
	__u16 pad[2];
	__u8 local_addr[16];
};

/* dup/dup2/dup3/fcntl(F_DUPFD) of a followed fd: the new fd is the same file (a shell's
 * `> file` writes through fd 1 after dup2). */
struct oisp_file_dup {
	__u32 kind;       /* OISP_REC_FILE_DUP */
	__u32 pid;
	__u64 ts_ns;
	__s32 oldfd;
	__s32 newfd;
};

/* A new process by fork (no exec yet): it is its parent's copy (a subshell). */
struct oisp_fork {
	__u32 kind;       /* OISP_REC_FORK */
	__u32 pid;
	__u64 ts_ns;
	__u64 start_ns;
	__u32 ppid;
	__u32 pad;
};

/* Settings userspace writes after load (index 0 of the `settings` array map). */
struct oisp_settings {
	__u64 max_payload_bytes; /* per SSL_* call; 0: the built-in 16 MiB */
};

enum oisp_file_mode {
	OISP_FILES_MARKED = 0, /* file events of processes marked as agents (and their children) */
	OISP_FILES_ALL = 1,
	OISP_FILES_NONE = 2,
};

/* The receiver's `processes` filter (bits of filter_active[0], values of filter_comms). */
enum oisp_filter {
	OISP_FILTER_PIDS = 1,
	OISP_FILTER_COMMS = 2,
	OISP_FILTER_UIDS = 4,
	OISP_FILTER_EXCLUDE_COMMS = 8,
};

#define OISP_COMM_INCLUDE 1
#define OISP_COMM_EXCLUDE 2

/* Opens not followed, by the filter that left them out (slots of sys.bpf.c's `suppressed`). */
enum oisp_suppressed {
	OISP_SUPPRESSED_UNMARKED = 0, /* file_events: marked, and the process is not */
	OISP_SUPPRESSED_NONE = 1,     /* file_events: none */
	OISP_SUPPRESSED_SLOTS = 2,
};

/* Settings of sys.bpf.c (index 0 of its `sys_settings` array map). */
struct oisp_sys_settings {
	__u32 file_mode;   /* enum oisp_file_mode */
	__u32 pad;
	__u64 io_flush_ns; /* a file in use sends its totals this often (0: only at close) */
};

#endif
