/* dp — the dataplane: ports, networks, worker lcores, snapshots, counters.
 *
 * Design: the control thread owns a mutable staging configuration (networks
 * and ports).  Changes edit staging; dp_flush() (once per event-loop
 * iteration) builds one new immutable struct dp_snapshot from it, published
 * by one pointer store.  The old one is reclaimed by a later dp_flush() once
 * rte_rcu_qsbr_check() says every worker has passed a quiescent state (end
 * of its loop iteration, or asleep): the control thread never waits.
 * A port's config change bumps that port's policy epoch, which makes the flow
 * entries computed for its traffic reclassify on their next packet.
 *
 * Port runtime state (the attached vhost device id, its queue count and
 * enabled vrings) changes from the vhost thread: attach publishes the device
 * with a release store; detach unpublishes it and waits for a grace period,
 * so when dp_port_detach() returns no worker touches the device's vrings.
 *
 * Workers: one per worker lcore, run to completion; see worker.c.  Counters
 * live per worker and are summed on read, without stopping traffic.
 *
 * Several workers may transmit on one guest queue (fewer queue pairs than
 * workers): each vhost enqueue then holds that queue's spinlock.
 *
 * Threads: dp_net_* / dp_port_create / dp_port_destroy / dp_flush / dp_sync /
 * dp_punt_* / dp_housekeeping: control thread only.  dp_port_attach_* / dp_port_detach /
 * dp_port_vring_state: any thread (the vhost thread).  Readers (stats, fdb
 * dump): any thread.
 * Errors: 0 or a negative errno; dp_create returns NULL.
 */
#ifndef VNETD_DP_H
#define VNETD_DP_H

#include <stdbool.h>
#include <stdint.h>

#define DP_MAX_PORTS 256
#define DP_MAX_NETS 64
#define DP_MAX_WORKERS 8
#define DP_MAX_QPAIRS 128 /* rte_vhost 22.11's VHOST_MAX_QUEUE_PAIRS: all are served */

struct dp;

struct dp_params {
	unsigned n_workers;
	unsigned worker_lcores[DP_MAX_WORKERS];
	unsigned mbufs;          /* packet buffers in the pool */
	unsigned flow_entries;   /* per worker */
	unsigned fdb_entries;    /* per network */
	unsigned ageing_secs;    /* FDB ageing of learned MACs */
	unsigned flow_idle_secs; /* flow entry expiry */
	unsigned idle_us;        /* empty-poll time before a worker sleeps; 0 = never sleep */
	unsigned punt_rate;      /* frames per second a port may send to the control thread */
	unsigned mac_limit;      /* MACs a port may have learned; 0 = no limit */
	unsigned ct_sessions;    /* session table size (0: 262144) */
	unsigned ct_port_limit;  /* sessions per guest port (0: 65536) */
	unsigned ct_tcp_established; /* seconds (0: 432000) */
	unsigned ct_udp_timeout; /* unreplied UDP, seconds (0: 30); assured: 6x */
};

enum dp_drop {
	DP_DROP_RUNT,        /* frame too short / truncated header */
	DP_DROP_SRC_MCAST,   /* multicast or zero source MAC */
	DP_DROP_SAME_PORT,   /* destination MAC sits behind the ingress port */
	DP_DROP_MAC_CONFLICT,/* source MAC is another port's configured MAC */
	DP_DROP_NET_DOWN,    /* ingress port's network is not active */
	DP_DROP_NO_DEST,     /* flood with no other port in the network */
	DP_DROP_PORT_DOWN,   /* egress port has no attached device */
	DP_DROP_TX_FULL,     /* egress ring full */
	DP_DROP_NO_ROUTE,    /* IP to the gateway MAC that the gateway does not serve */
	DP_DROP_GW_CONFLICT, /* ARP claiming the gateway's address */
	DP_DROP_GW_IGNORED,  /* for the gateway, nothing to answer (ARP reply, ICMP non-echo) */
	DP_DROP_PUNT_FULL,   /* control thread's queue full (DHCP flood) */
	DP_DROP_PUNT_LIMIT,  /* port over its DHCP rate (--punt-rate) */
	DP_DROP_MAC_LIMIT,   /* new source MAC of a port at its learning limit (--mac-limit) */
	DP_DROP_RX_OVERSIZE, /* kernel port: received frame larger than a packet buffer */
	DP_DROP_TX_OVERSIZE, /* kernel port: frame larger than the interface's MTU */
	DP_DROP_CT_FULL,     /* new connection, the session table (a worker's share) is full */
	DP_DROP_CT_PORT_LIMIT, /* new connection, the guest port is at --ct-port-limit */
	DP_DROP_NAT_NO_PORT, /* new connection, no free NAT port for it */
	DP_DROP_NO_NEIGH,    /* uplink next hop not resolved (yet) */
	DP_DROP_CT_INVALID,  /* TCP packet that cannot start a connection (RST), bad L4 */
	DP_DROP_FRAG,        /* IP fragment of routed traffic ahead of its first fragment */
	DP_DROP_NO_SESSION,  /* uplink: no session, port forward or route for it */
	/* port security (hf, dataplane/portsec.h) */
	DP_DROP_SPOOF_MAC,   /* source MAC not the port's (nor an allowed pair's) */
	DP_DROP_SPOOF_IP,    /* IPv4 source not the port's address */
	DP_DROP_SPOOF_ARP,   /* ARP sender MAC/IP not the port's */
	DP_DROP_DHCP_SERVER, /* DHCP (v4/v6) server message from a guest */
	DP_DROP_DHCP_SPOOF,  /* DHCP request for a client MAC not the port's */
	DP_DROP_GUEST_RA,    /* IPv6 router advertisement from a guest */
	DP_DROP_ACL,         /* security groups: no rule allows the connection */
	DP_DROP_MAX
};
const char *dp_drop_name(enum dp_drop d);

struct dp_port_stats {
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_packets, tx_bytes, tx_dropped;
	/* where the port's received frames went (each counted once) */
	uint64_t forwarded;   /* to one port (FDB hit) */
	uint64_t flooded;     /* to every other port of the network */
	uint64_t gw_replies;  /* answered by the gateway (ARP, ICMP echo) */
	uint64_t punted;      /* to the control thread (DHCP) */
	uint64_t capture_dropped; /* frames a running capture could not copy (its ring full) */
	/* and why it dropped what it dropped: a received frame counts against
	 * its ingress port (rx_dropped), a frame it could not transmit against
	 * this egress port (tx_dropped: port_down, tx_full, tx_oversize, and
	 * acl for a flooded copy this port's ingress rules refuse) */
	uint64_t drops[DP_DROP_MAX];
};

struct dp_stats {
	uint64_t drops[DP_DROP_MAX];
	uint64_t flow_hits, flow_misses, flow_installs, flow_table_full;
	uint64_t loops, sleeps, wakeups;
	uint64_t busy_cycles;   /* TSC cycles of iterations that moved packets */
	uint64_t busy_loops;    /* those iterations */
	uint64_t tsc_hz;
	uint64_t gw_replies, punted, injected;
	/* summed over the networks' FDBs (so dp_stats() is for the control
	 * thread, which alone frees them; a destroyed network's are gone) */
	uint64_t mac_moves;     /* learned MACs that moved to another port */
	uint64_t fdb_full;      /* new MACs not learned: the network's FDB was full */
	unsigned flows, workers;
};

struct dp_gw {
	uint32_t ip;    /* network order; 0: no gateway */
	uint8_t mac[6];
	bool dhcp;      /* punt DHCP to the control thread (the network serves it) */
	bool dns;       /* punt UDP/TCP port 53 to the gateway's address (DNS served) */
};

struct rte_mbuf;

enum dp_port_role { DP_ROLE_GUEST = 0, DP_ROLE_HOST, DP_ROLE_UPLINK };

struct dp_port_params {
	uint16_t net;
	bool has_mac;
	uint8_t mac[6];
	bool learning;      /* learn source MACs seen on this port */
	uint8_t role;   /* DP_ROLE_GUEST (0, default), DP_ROLE_HOST (the network's TAP:
	                   gateway identity, skips the gateway stage, static MAC = gw MAC,
	                   learning off), DP_ROLE_UPLINK (not in any network's flood list;
	                   .net is ignored) */
};

struct dp_fdb_row {
	uint8_t mac[6];
	uint16_t port;
	bool is_static;
	uint32_t age;
};

struct dp *dp_create(const struct dp_params *p);
int dp_start(struct dp *dp);
void dp_stop(struct dp *dp);
void dp_free(struct dp *dp);
struct rte_mempool *dp_mempool(struct dp *dp);

/* Networks (bridge domains).  A network is created inactive. */
int dp_net_create(struct dp *dp, uint16_t *id);
int dp_net_set_active(struct dp *dp, uint16_t id, bool active);
int dp_net_destroy(struct dp *dp, uint16_t id); /* -EBUSY while it has ports */
/* The gateway the workers answer ARP and ICMP echo for (ip 0: none). */
int dp_net_set_gateway(struct dp *dp, uint16_t id, const struct dp_gw *gw);

/* Ports: configuration (control thread). */
int dp_port_create(struct dp *dp, const struct dp_port_params *p, uint16_t *id);
int dp_port_destroy(struct dp *dp, uint16_t id);

/* Ports: device attachment (vhost thread). */
int dp_port_attach_vhost(struct dp *dp, uint16_t id, int vid, unsigned nr_vrings);
/* A kernel interface's AF_PACKET socket (control thread; dp owns fd then). */
int dp_port_attach_kernel(struct dp *dp, uint16_t id, int fd);
/* the host port's TAP fd (control thread; dp owns fd then, closed at
 * detach), and an uplink (caller keeps u: detach before ul_close). */
struct ul;
int dp_port_attach_tap(struct dp *dp, uint16_t id, int fd);
int dp_port_attach_uplink(struct dp *dp, uint16_t id, struct ul *u);
void dp_port_detach(struct dp *dp, uint16_t id);
void dp_port_vring_state(struct dp *dp, uint16_t id, unsigned vring, bool enabled);
bool dp_port_attached(const struct dp *dp, uint16_t id);
/* Queue pairs served: both vrings enabled by the guest (0: not attached). */
unsigned dp_port_queues(const struct dp *dp, uint16_t id);
/* The network of a port (control thread), or -ENOENT. */
int dp_port_net(const struct dp *dp, uint16_t id);
/* Port security (anti-spoofing) of a guest port: checked on every frame it
 * sends (dataplane/portsec.h); published with the next snapshot.  Control
 * thread. */
struct portsec_conf;
int dp_port_set_portsec(struct dp *dp, uint16_t id, const struct portsec_conf *c);
/* A port's compiled security group rules (acl.h; NULL: not filtered); dp
 * takes a (freed after a grace period when replaced).  Control thread. */
struct acl_set;
int dp_port_set_acl(struct dp *dp, uint16_t id, struct acl_set *a);

int dp_port_stats(const struct dp *dp, uint16_t id, struct dp_port_stats *s);
void dp_stats(const struct dp *dp, struct dp_stats *s);
/* Copies up to max rows of a network's FDB; returns the count. */
int dp_fdb_dump(struct dp *dp, uint16_t net, struct dp_fdb_row *rows, unsigned max);

/* Punted frames (DHCP to the gateway), control thread: dp_punt_fd() is an
 * eventfd that becomes readable when frames wait; each frame's m->port is
 * the dataplane port it came from.  Call dp_punt_dequeue() until it returns
 * 0: it hands out at most 256 frames (or 2 ms worth) per wakeup, then
 * returns 0, so a flood cannot starve the rest of the event loop (the API).
 * After a spent budget the punt work rests 3 times as long as it took (a
 * flood gets at most a quarter of the control thread): dp_punt_timeout_ms()
 * is -1 when no punt work waits, else the milliseconds until
 * dp_punt_dequeue() hands out frames again (0: now; the eventfd is not
 * signalled for that, the event loop's timeout is).  dp_inject() sends a frame out of a port
 * through the worker that polls the port (takes ownership of m). */
int dp_punt_fd(const struct dp *dp);
unsigned dp_punt_dequeue(struct dp *dp, struct rte_mbuf **pkts, unsigned n);
int dp_punt_timeout_ms(const struct dp *dp);
int dp_inject(struct dp *dp, uint16_t port, struct rte_mbuf *m);
/* dp_inject() wakes the port's worker (one eventfd write per frame); between
 * dp_inject_batch(dp, true) and dp_inject_batch(dp, false) the wakes wait
 * for the end, which wakes each worker that got frames once: a burst of
 * answers costs one system call per worker, not one per frame.  Control
 * thread (as dp_inject). */
void dp_inject_batch(struct dp *dp, bool on);

/* Configuration changes (dp_net_*, dp_port_create/destroy) are staged and
 * take effect at the next dp_flush(), which the control thread calls once
 * per loop iteration: several changes, one publication.  Nothing waits
 * there: what a publication retires (old snapshot, a destroyed network's
 * FDB, a destroyed port's MACs and counters) is reclaimed by a later
 * dp_flush() once the workers passed a quiescent state (rte_rcu_qsbr_check);
 * a destroyed port's id is reused only after that.  dp_sync() publishes and
 * waits for all of it (tests, shutdown). */
void dp_flush(struct dp *dp);
void dp_sync(struct dp *dp);

/* Routing, NAT, connection tracking (issue 9).  Control thread. */
enum dp_fwd_mode { DP_FWD_ISOLATED, DP_FWD_NAT, DP_FWD_ROUTE, DP_FWD_OPEN };
struct dp_net_l3 {
	uint8_t mode;                /* enum dp_fwd_mode */
	uint32_t prefix; uint8_t plen; /* the network's IPv4 subnet (network order) */
	uint16_t uplink;             /* dp port id of its uplink, DP_PORT_NONE if none */
	uint32_t nat_addr_min, nat_addr_max; /* host order; 0,0: the uplink's address */
	uint16_t nat_port_min, nat_port_max; /* 0,0: 1024..65535 (libvirt) */
};
#define DP_PORT_NONE 0xffff
int dp_net_set_l3(struct dp *dp, uint16_t net, const struct dp_net_l3 *c);
int dp_net_l3_host_port(struct dp *dp, uint16_t net, uint16_t port); /* DP_PORT_NONE: none */

struct dp_uplink_conf {
	uint32_t ip; uint8_t plen;   /* the uplink's address and on-link prefix (net order) */
	uint8_t mac[6];
	uint32_t gw_ip;              /* default route's gateway (0: none) */
	uint8_t gw_mac[6]; bool gw_resolved;
	uint16_t mtu;
};
int dp_uplink_set(struct dp *dp, uint16_t port, const struct dp_uplink_conf *c);
int dp_uplink_neigh_set(struct dp *dp, uint16_t port, uint32_t ip, const uint8_t mac[6]); /* on-link, NULL mac: remove */
/* on-link destinations the workers could not resolve since the last call (control thread resolves them) */
unsigned dp_uplink_neigh_misses(struct dp *dp, uint16_t port, uint32_t *ips, unsigned max);
/* Control thread, after each event loop iteration (cheap when nothing is
 * pending): the guest-side addresses the workers could not resolve since
 * the last call get an ARP request from the gateway's MAC and address,
 * broadcast on each guest port of their network; the guest's reply (to the
 * gateway MAC) fills the network's ARP table.  The packets that missed are
 * dropped (no_neigh), not queued.  At most one request a second per address
 * and 16 addresses a second per network.  Returns the requests sent. */
unsigned dp_neigh_resolve(struct dp *dp);

/* Port forwarding: the whole table, published with the snapshot. */
struct dp_portfwd { uint8_t proto; uint32_t ext_ip; uint16_t ext_port; uint16_t net; uint32_t int_ip; uint16_t int_port; }; /* ips/ports network order; ext_ip 0: the uplink's */
#define DP_PORTFWD_MAX 256
int dp_portfwd_replace(struct dp *dp, const struct dp_portfwd *v, unsigned n);

/* Connection tracking */
enum dp_ct_state { DP_CT_SYN_SENT, DP_CT_SYN_RECV, DP_CT_ESTABLISHED, DP_CT_FIN_WAIT, DP_CT_CLOSE_WAIT,
	DP_CT_TIME_WAIT, DP_CT_CLOSE, DP_CT_UDP_UNREPLIED, DP_CT_UDP_ASSURED, DP_CT_ICMP, DP_CT_STATE_MAX };
const char *dp_ct_state_name(unsigned s);   /* "SYN_SENT", ... as conntrack(8) prints them */
struct dp_ct_row {
	uint16_t net; uint8_t proto; uint8_t state;
	uint32_t src, dst; uint16_t sport, dport;   /* original direction, network order */
	uint32_t nat_ip; uint16_t nat_port;          /* translated source (nat), 0: none */
	uint32_t age, expires;                       /* seconds */
	uint64_t packets[2], bytes[2];               /* original, reply */
};
/* Copies up to max rows (net -1: all networks); returns the number of sessions that
 * matched (may exceed max: call again with more room). */
int dp_ct_dump(struct dp *dp, int net, struct dp_ct_row *rows, unsigned max);
int dp_ct_flush(struct dp *dp, int net);            /* returns sessions removed */
struct dp_ct_stats { uint64_t by_state[DP_CT_STATE_MAX]; uint64_t sessions, max, created, expired, refused_full, refused_port_limit, nat_ports_exhausted; };
void dp_ct_stats(struct dp *dp, int net, struct dp_ct_stats *s);

/* Periodic work of the control thread (FDB ageing). */
void dp_housekeeping(struct dp *dp);
/* Seconds on the dataplane's clock (monotonic). */
uint32_t dp_now(void);

#endif
