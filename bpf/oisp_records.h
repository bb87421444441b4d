/* Record layouts shared by the BPF programs and the TypeScript decoder
 * (packages/receiver-ebpf/src/internal/records.ts); a test checks that both agree. */
#ifndef OISP_RECORDS_H
#define OISP_RECORDS_H

#define OISP_CHUNK_MAX 16384

enum oisp_record_kind {
	OISP_REC_TLS_DATA = 1,
	OISP_REC_TLS_CLOSE = 2,
	OISP_REC_TLS_SNI = 3,
};

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

/* Settings userspace writes after load (index 0 of the `settings` array map). */
struct oisp_settings {
	__u64 max_payload_bytes; /* per SSL_* call; 0: the built-in 16 MiB */
};

#endif
