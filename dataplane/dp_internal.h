/* dp_internal — structures shared by dp.c (control side) and worker.c.
 * Not part of the dataplane's public interface. */
#ifndef VNETD_DP_INTERNAL_H
#define VNETD_DP_INTERNAL_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "dataplane/ct.h"
#include "dataplane/dp.h"
#include "dataplane/fdb.h"
#include "dataplane/flow.h"
#include "dataplane/gw.h"
#include "dataplane/nat.h"
#include "dataplane/pkt.h"
#include "dataplane/portsec.h"
#include "dataplane/acl.h"

#define DP_BURST 32
#define DP_FRAG_SLOTS 256 /* datagrams in fragments a worker follows at once */
#define DP_SLEEP_FDS 1024 /* kick eventfds a worker sleeps on; more: no sleep */
#define DP_PUNT_BUDGET 256 /* punted frames per control-thread wakeup ... */
#define DP_PUNT_BUDGET_MS 2 /* ... or milliseconds, whichever runs out first */
#define DP_DEFER_MAX 1024 /* control-side work waiting for a grace period */

/* Control-side work that waits for a grace period (deferred, FIFO). */
enum dp_defer_kind { DP_DEFER_SNAP, DP_DEFER_FDB, DP_DEFER_PORT,
	DP_DEFER_ACL /* a port's replaced security group rules (free) */ };
struct dp_defer {
	uint64_t token;   /* rte_rcu_qsbr_start() when queued */
	uint8_t kind;
	uint16_t id;      /* DP_DEFER_PORT: the port */
	void *ptr;        /* snapshot, fdb, or the port's fdb */
};

/* Immutable once published. */
struct dp_port_snap {
	bool used;
	bool learning;
	bool has_mac;
	uint8_t shape;  /* enum pkt_shape */
	uint8_t role;   /* enum dp_port_role */
	uint16_t net;
	uint32_t epoch;
	uint8_t mac[6];
	struct portsec_conf sec; /* port security: checked right after parse */
	const struct acl_set *acl; /* security groups, NULL: not filtered */
};

struct dp_net_snap {
	bool used;
	bool active;
	struct gw_conf gw;
	struct fdb *fdb;
	struct dp_net_l3 l3;     /* forward mode (dp_net_set_l3) */
	uint16_t host_port;      /* DP_PORT_NONE: none */
	struct nat_map *nat;     /* NAT networks with an address: the allocator */
	struct dp_arp *arp;      /* guests' IPv4 -> MAC, port (dp-owned, per network) */
	uint32_t acl_gen;        /* bumped when a port's rules change (sessions re-check) */
	uint16_t n_ports;
	uint16_t ports[DP_MAX_PORTS];
};

/* An uplink's addresses and next hop (dp_uplink_set). */
struct dp_uplink_snap {
	bool set;
	struct dp_uplink_conf c;
};

#define DP_NEIGH_MAX 64
struct dp_neigh {
	uint16_t port;
	uint32_t ip;
	uint8_t mac[6];
};

struct dp_snapshot {
	uint64_t gen;
	uint32_t l3_gen;                /* bumped by every L3 change: sessions recompute */
	uint16_t n_neigh, n_portfwd;
	struct dp_neigh neigh[DP_NEIGH_MAX];
	struct dp_portfwd portfwd[DP_PORTFWD_MAX];
	struct dp_uplink_snap uplink[DP_MAX_PORTS];
	uint16_t n_active;              /* ports to poll */
	uint16_t active[DP_MAX_PORTS];
	struct dp_port_snap port[DP_MAX_PORTS];
	struct dp_net_snap net[DP_MAX_NETS];
};

enum dp_port_kind { DP_PORT_KIND_NONE = 0, DP_PORT_VHOST, DP_PORT_KERNEL };
/* the host port's TAP (vid: its fd) and the uplink (vid: ul_fd(ul, 0), rt->ul) */
enum { DP_PORT_TAP = DP_PORT_KERNEL + 1, DP_PORT_UPLINK };

/* Runtime state of a port's device, written by the vhost thread (vhost) or
 * the control thread (kernel).  vid >= 0 means attached: for a vhost port
 * it is the device id, for a kernel port the AF_PACKET socket. */
struct dp_port_rt {
	int vid;            /* -1 when no device; release/acquire */
	uint16_t nr_qpairs;
	uint8_t kind;
	/* a running capture of the port (capture.h), or NULL: control thread
	 * writes (release), workers read it once per burst, next to vid */
	struct dp_capture *cap;
	struct ul *ul;      /* DP_PORT_UPLINK: set before vid is published */
	uint64_t vring_enabled[DP_MAX_QPAIRS * 2 / 64]; /* bit per vring */
	/* A guest rx vring (our tx queue) may be shared by several workers
	 * (fewer queue pairs than workers, or a disabled queue that falls
	 * back to queue 0): with more than one worker every enqueue holds
	 * the queue's lock, as OVS-DPDK does for vhost ports.  Uncontended
	 * when each worker has its own queue. */
	rte_spinlock_t txq_lock[DP_MAX_QPAIRS];
} __rte_cache_aligned;

static inline bool dp_vring_enabled(const struct dp_port_rt *rt, unsigned vring)
{
	return (__atomic_load_n(&rt->vring_enabled[vring / 64], __ATOMIC_ACQUIRE) >>
		(vring % 64)) & 1;
}

struct dp_txbuf {
	uint16_t n;
	bool dirty;
	struct rte_mbuf *m[DP_BURST];
};

struct dp_worker {
	struct dp *dp;
	unsigned id;
	unsigned lcore;
	int wakefd;
	struct flow_table *flows;
	uint64_t expire_tsc;     /* next flow expiry step */
	/* counters: written by this worker only, read by anyone */
	struct dp_port_stats port[DP_MAX_PORTS];
	uint64_t drops[DP_DROP_MAX];
	uint64_t flow_hits, flow_misses, flow_installs, flow_table_full;
	uint64_t loops, sleeps, wakeups;
	uint64_t busy_cycles, busy_loops;
	uint64_t gw_replies, punted, injected;
	uint64_t routed, route_misses, nat_ports_exhausted; /* sessions made, slow paths run */
	uint64_t ct_expire_tsc;  /* next session expiry step */
	/* IP fragments: a datagram's first fragment (it has the ports) finds
	 * the session; the others follow it here (route.c; VPP's virtual
	 * reassembly without buffering: a fragment ahead of its first is
	 * dropped, counted as frag) */
	struct dp_frag {
		struct ct_sess *s;
		uint32_t src, dst, expires;
		uint16_t id, zone;
		uint8_t proto, dir;
	} frag[DP_FRAG_SLOTS];
	struct rte_ring *inject; /* frames from the control thread to send */
	struct { uint32_t sec, left; } punt_budget[DP_MAX_PORTS]; /* per-port punt rate */
	/* sleep: kick eventfds (our dups) polled with the wake eventfd */
	struct pollfd *sleep_fds;  /* DP_SLEEP_FDS */
	/* transmit buffers, flushed every iteration */
	uint16_t n_dirty;
	uint16_t dirty[DP_MAX_PORTS];
	struct dp_txbuf tx[DP_MAX_PORTS];
} __rte_cache_aligned;

struct dp {
	struct dp_params p;
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	struct dp_snapshot *snap;       /* published; atomic pointer */
	struct dp_snapshot staging;     /* control thread's mutable copy */
	struct dp_snapshot *spare;      /* allocated before staging changes */
	bool dirty;                     /* staging differs from snap */
	bool port_busy[DP_MAX_PORTS];   /* destroyed, cleanup pending */
	struct dp_defer defer[DP_DEFER_MAX]; /* ring */
	unsigned defer_head, defer_n;
	unsigned fail_alloc;            /* tests: fail the next N snapshot allocations */
	/* tests: sees a snapshot before free(); true: it keeps the block */
	bool (*snap_free_hook)(struct dp_snapshot *);
	uint64_t gen;
	struct dp_port_rt rt[DP_MAX_PORTS];
	struct dp_worker *w[DP_MAX_WORKERS];
	struct rte_ring *punt;  /* workers -> control thread */
	int punt_fd;            /* eventfd: punted frames wait */
	bool punt_round;        /* dp_punt_dequeue: inside one wakeup's work */
	unsigned punt_left;     /* frames left of this wakeup's budget */
	uint64_t punt_start;    /* TSC: this wakeup's start */
	uint64_t punt_until;    /* TSC: end of this wakeup's time budget */
	uint64_t punt_resume;   /* TSC: after a spent budget, rest until then */
	bool inject_batch;      /* dp_inject_batch(): wakes wait for its end */
	uint32_t inject_wake;   /* ... workers (bit i: w[i]) to wake then */
	bool stop;
	bool running;
	uint32_t fdb_seq;
	uint32_t last_housekeeping;
	struct ct *ct;          /* the session table (ct.h) */
	/* on-link destinations a worker could not resolve, per uplink port:
	 * workers store, the control thread takes (dp_uplink_neigh_misses) */
	uint32_t neigh_miss[DP_MAX_PORTS][8];
	struct dp_arp *arp[DP_MAX_NETS];
	/* guest-side addresses a worker could not resolve (route.c sess_out),
	 * per network: workers store (relaxed, a few slots by hash) and set
	 * guest_miss_wake, writing the punt eventfd once when it was clear; the
	 * control thread clears it, takes the slots and ARPs for them
	 * (dp_neigh_resolve), at most once a second per address and
	 * DP_ARP_REQ_SLOTS addresses a second per network (arp_sent) */
	uint32_t guest_miss[DP_MAX_NETS][8];
	uint32_t guest_miss_wake;
#define DP_ARP_REQ_SLOTS 16
	struct { uint32_t ip; uint64_t tsc; } arp_sent[DP_MAX_NETS][DP_ARP_REQ_SLOTS];
	/* NAT allocators by range, shared by the networks with that range and
	 * kept until dp_free: a session's reference never dangles */
	struct { uint32_t amin, amax; uint16_t pmin, pmax; struct nat_map *m; } nat[16];
};

/* Guests' addresses, learned from their ARP to the gateway and their
 * routed traffic: where routed and forwarded traffic to a guest goes.
 * Direct-mapped; workers write, anyone reads (an entry is checked against
 * its ip, read before and after the MAC word). */
#define DP_ARP_SLOTS 4096
struct dp_arp {
	struct { uint32_t ip; uint64_t mac_port; } e[DP_ARP_SLOTS];
};
void dp_arp_learn(struct dp_arp *a, uint32_t ip, const uint8_t mac[6], uint16_t port);
int dp_arp_find(const struct dp_arp *a, uint32_t ip, uint8_t mac[6]); /* port or -ENOENT */

/* route.c: the route/NAT stage.  For each frame (IPv4, parsed, addressed
 * to the gateway MAC, or received on an uplink), rewritten in place;
 * out[i] the port to send it to, or DP_PORT_NONE with why[i] the drop
 * reason. */
void dp_route_burst(struct dp_worker *w, const struct dp_snapshot *s, uint16_t in_port,
		    struct rte_mbuf **pkts, const struct pkt_meta *meta, unsigned n,
		    uint32_t now, uint16_t *out, uint8_t *why);
/* dp_l3.c: a session's NAT mapping goes (ct's release hook); a destroyed
 * port leaves the L3 configuration (host port, uplink) */
void dp_ct_release(struct ct_sess *s, void *o);
void dp_l3_port_gone(struct dp *dp, uint16_t port);
int dp_reserve(struct dp *dp);
int dp_commit_l3(struct dp *dp);
/* the session table's incremental expiry, per worker loop */
void dp_route_expire(struct dp_worker *w, uint32_t now, unsigned budget);

int dp_worker_main(void *arg);
/* acl_stage.c: security groups for a connection from k->in_port to
 * out (-1: flooded); 0: allowed, else the drop reason. */
uint8_t dp_acl_check(struct dp_worker *w, const struct dp_snapshot *s, const struct flow_key *k,
		     int out, const uint8_t *frame, size_t len, uint32_t now, void **sess);
/* A flooded IPv4 frame (key k) at a receiving port with rules a: true
 * when a's ingress admits it (the switch stage's flood, per frame). */
bool dp_acl_flood_admits(const struct acl_set *a, const struct flow_key *k);
/* A cached flow's session (from dp_acl_check): refreshed while the flow
 * carries traffic, if it is still that connection's. */
void dp_acl_touch(void *sess, const struct flow_key *k, uint32_t now);
/* A route stage session's security group verdict (north-south): 0 or
 * DP_DROP_ACL; at creation and after a configuration change. */
struct ct_sess;
uint8_t dp_acl_route(const struct dp_snapshot *s, const struct ct_sess *ss);
/* capture.c: a worker's burst of a captured port (dir: DP_CAP_IN/OUT) */
struct dp_capture;
unsigned dp_capture_burst(struct dp_capture *c, unsigned dir, struct rte_mbuf **pkts, unsigned n);
/* returns the matching frames it could not copy */
void dp_capture_port_gone(struct dp *dp, uint16_t port);
void dp_worker_wake(struct dp_worker *w);

#endif
