/* What every BPF object of the receiver has: its ring buffer of records, the processes never
 * traced (the collector itself), and its loss counters. Each object gets its own copies. */
#ifndef OISP_COMMON_BPF_H
#define OISP_COMMON_BPF_H

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

static __always_inline int excluded(__u32 tgid)
{
	return bpf_map_lookup_elem(&excluded_tgids, &tgid) != NULL;
}

#endif
