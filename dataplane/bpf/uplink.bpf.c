/* uplink.bpf.c — which frames arriving on the uplink belong to vnetd.
 *
 * One steering decision, compiled for three hooks that share the maps:
 *  - vnetd_xdp (XDP, AF_XDP mode): steered frames are redirected to the
 *    AF_XDP socket of their rx queue (XSKMAP); everything else, and a
 *    steered frame whose queue has no socket, goes on to the kernel
 *    (XDP_PASS), so the host keeps using the interface and its address.
 *  - vnetd_sock (socket filter, af_packet mode): the packet socket copies
 *    only steered frames.
 *  - vnetd_tc (tc ingress, af_packet mode): drops steered frames after the
 *    packet socket saw them (packet taps run before tc ingress), so the
 *    kernel does not answer vnetd's connections with RSTs.
 *
 * Steered (destination, IPv4 only; ARP never: the host answers ARP for its
 * address and vnetd learns neighbours from the kernel):
 *  - destination in ul_prefixes (route/open networks: guest subnets), any
 *    protocol;
 *  - destination in ul_addrs (NAT external addresses) and
 *      TCP/UDP destination port set in ul_ports (proto slot 0 TCP, 1 UDP),
 *      ICMP echo reply whose identifier is set in slot 2,
 *      ICMP error (unreachable, time exceeded, parameter problem, source
 *      quench) quoting a TCP/UDP packet whose source port, or an echo
 *      request whose identifier, is set in ul_ports.
 *  Non-first IP fragments carry no ports: they go to the kernel.
 * The control thread (dataplane/uplink.c) writes the maps.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define UL_MAX_QUEUES 64

struct ul_lpm_key {
	__u32 plen;
	__u32 addr; /* network order */
};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, UL_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} ul_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);   /* address, network order */
	__type(value, __u32); /* references (control side) */
} ul_addrs SEC(".maps");

/* slot * 1024 + port / 64: bit port % 64; slot 0 TCP, 1 UDP, 2 ICMP id */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3 * 1024);
	__type(key, __u32);
	__type(value, __u64);
} ul_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__type(key, struct ul_lpm_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} ul_prefixes SEC(".maps");

static __always_inline int port_set(__u32 slot, __u16 port_be)
{
	__u16 port = bpf_ntohs(port_be);
	__u32 key = slot * 1024 + port / 64;
	__u64 *w = bpf_map_lookup_elem(&ul_ports, &key);
	return w && ((*w >> (port % 64)) & 1);
}

/* the first bytes of an IPv4 header (to the addresses) */
struct ul_ip {
	__u8 vhl, tos;
	__u16 len, id, frag;
	__u8 ttl, proto;
	__u16 csum;
	__u32 src, dst;
};

#define FRAG_OFF_MASK 0x1fff

/* LOAD(off, ptr, len): copy len (a constant) bytes at off, 0 or negative */
#define STEER_BODY                                                               \
	{                                                                        \
		__u16 et;                                                        \
		struct ul_ip ip;                                                 \
		if (LOAD(12, &et, 2) < 0 || et != bpf_htons(ETH_P_IP))           \
			return 0;                                                \
		if (LOAD(14, &ip, sizeof(ip)) < 0 || (ip.vhl >> 4) != 4)         \
			return 0;                                                \
		struct ul_lpm_key lk = { .plen = 32, .addr = ip.dst };           \
		if (bpf_map_lookup_elem(&ul_prefixes, &lk))                      \
			return 1;                                                \
		if (!bpf_map_lookup_elem(&ul_addrs, &ip.dst))                    \
			return 0;                                                \
		if (bpf_ntohs(ip.frag) & FRAG_OFF_MASK)                          \
			return 0;                                                \
		__u32 l4 = 14 + (ip.vhl & 0xf) * 4;                              \
		if (l4 < 34)                                                     \
			return 0;                                                \
		__u16 p[2];                                                      \
		__u8 icmp[8];                                                    \
		switch (ip.proto) {                                              \
		case IPPROTO_TCP:                                                \
		case IPPROTO_UDP:                                                \
			if (LOAD(l4, p, 4) < 0)                                  \
				return 0;                                        \
			return port_set(ip.proto == IPPROTO_TCP ? 0 : 1, p[1]);  \
		case IPPROTO_ICMP:                                               \
			if (LOAD(l4, icmp, 8) < 0)                               \
				return 0;                                        \
			if (icmp[0] == 0) /* echo reply */                       \
				return port_set(2, *(__u16 *)&icmp[4]);          \
			if (icmp[0] != 3 && icmp[0] != 4 && icmp[0] != 11 &&     \
			    icmp[0] != 12)                                       \
				return 0;                                        \
			/* an error: the packet it quotes left from us */        \
			struct ul_ip in;                                         \
			if (LOAD(l4 + 8, &in, sizeof(in)) < 0 ||                 \
			    (in.vhl >> 4) != 4)                                  \
				return 0;                                        \
			__u32 il4 = l4 + 8 + (in.vhl & 0xf) * 4;                 \
			if (il4 < l4 + 28 || il4 > 14 + 60 + 8 + 60)            \
				return 0;                                        \
			if (LOAD(il4, icmp, 8) < 0)                              \
				return 0;                                        \
			if (in.proto == IPPROTO_TCP)                             \
				return port_set(0, *(__u16 *)&icmp[0]);          \
			if (in.proto == IPPROTO_UDP)                             \
				return port_set(1, *(__u16 *)&icmp[0]);          \
			if (in.proto == IPPROTO_ICMP && icmp[0] == 8)            \
				return port_set(2, *(__u16 *)&icmp[4]);          \
			return 0;                                                \
		default:                                                         \
			return 0;                                                \
		}                                                                \
	}

#define LOAD(off, p, n) bpf_xdp_load_bytes(ctx, (off), (p), (n))
static __always_inline int steer_xdp(struct xdp_md *ctx) STEER_BODY
#undef LOAD

#define LOAD(off, p, n) bpf_skb_load_bytes(ctx, (off), (p), (n))
static __always_inline int steer_skb(struct __sk_buff *ctx) STEER_BODY
#undef LOAD

SEC("xdp")
int vnetd_xdp(struct xdp_md *ctx)
{
	if (!steer_xdp(ctx))
		return XDP_PASS;
	/* no socket on this queue: the kernel, rather than a drop */
	return bpf_redirect_map(&ul_xsks, ctx->rx_queue_index, XDP_PASS);
}

SEC("socket")
int vnetd_sock(struct __sk_buff *ctx)
{
	return steer_skb(ctx) ? 0x40000 : 0; /* bytes to keep: all, or none */
}

SEC("tc")
int vnetd_tc(struct __sk_buff *ctx)
{
	return steer_skb(ctx) ? TC_ACT_SHOT : TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
