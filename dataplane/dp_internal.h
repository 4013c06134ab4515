/* dp_internal — structures shared by dp.c (control side) and worker.c.
 * Not part of the dataplane's public interface. */
#ifndef VNETD_DP_INTERNAL_H
#define VNETD_DP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dp.h"
#include "dataplane/fdb.h"
#include "dataplane/flow.h"
#include "dataplane/gw.h"
#include "dataplane/pkt.h"

#define DP_BURST 32

/* Immutable once published. */
struct dp_port_snap {
	bool used;
	bool learning;
	bool has_mac;
	uint8_t shape;  /* enum pkt_shape */
	uint16_t net;
	uint32_t epoch;
	uint8_t mac[6];
};

struct dp_net_snap {
	bool used;
	bool active;
	struct gw_conf gw;
	struct fdb *fdb;
	uint16_t n_ports;
	uint16_t ports[DP_MAX_PORTS];
};

struct dp_snapshot {
	uint64_t gen;
	uint16_t n_active;              /* ports to poll */
	uint16_t active[DP_MAX_PORTS];
	struct dp_port_snap port[DP_MAX_PORTS];
	struct dp_net_snap net[DP_MAX_NETS];
};

enum dp_port_kind { DP_PORT_NONE = 0, DP_PORT_VHOST, DP_PORT_KERNEL };

/* Runtime state of a port's device, written by the vhost thread (vhost) or
 * the control thread (kernel).  vid >= 0 means attached: for a vhost port
 * it is the device id, for a kernel port the AF_PACKET socket. */
struct dp_port_rt {
	int vid;            /* -1 when no device; release/acquire */
	uint16_t nr_qpairs;
	uint8_t kind;
	uint32_t vring_enabled; /* bit per vring */
} __rte_cache_aligned;

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
	struct rte_ring *inject; /* frames from the control thread to send */
	struct { uint32_t sec, left; } punt_budget[DP_MAX_PORTS]; /* per-port punt rate */
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
	uint64_t gen;
	struct dp_port_rt rt[DP_MAX_PORTS];
	struct dp_worker *w[DP_MAX_WORKERS];
	struct rte_ring *punt;  /* workers -> control thread */
	int punt_fd;            /* eventfd: punted frames wait */
	bool stop;
	bool running;
	uint32_t fdb_seq;
	uint32_t last_housekeeping;
};

int dp_worker_main(void *arg);
void dp_worker_wake(struct dp_worker *w);

#endif
