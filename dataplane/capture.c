/* capture.c — see capture.h. */
#define ALLOW_EXPERIMENTAL_API 1 /* rte_bpf_convert */
#include "dataplane/capture.h"
#include "dataplane/dp_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_bpf.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

struct dp_capture {
	struct dp *dp;
	uint16_t port;
	uint8_t dir;
	bool ended;                /* port destroyed: unpublished by dp */
	uint32_t snaplen;
	struct rte_bpf *bpf;       /* NULL: no filter */
	uint64_t (*jit)(void *);   /* the filter compiled to x86, or NULL */
	struct rte_mempool *pool;  /* records */
	struct rte_ring *ring;     /* records, workers -> control thread */
	uint64_t dropped;          /* atomic: workers */
	uint64_t tsc0, ns0, hz;    /* TSC to CLOCK_REALTIME */
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int dp_capture_start(struct dp *dp, uint16_t port, unsigned dir, unsigned snaplen,
		     const struct bpf_program *filter, struct dp_capture **out)
{
	static unsigned seq; /* control thread only: unique pool/ring names */
	char name[RTE_MEMPOOL_NAMESIZE];
	int rc = -ENOMEM;

	if (port >= DP_MAX_PORTS || !dp->staging.port[port].used)
		return -ENOENT;
	if (!dir || (dir & ~(unsigned)(DP_CAP_IN | DP_CAP_OUT)) || !snaplen ||
	    snaplen > DP_CAP_SNAPLEN_MAX)
		return -EINVAL;
	if (__atomic_load_n(&dp->rt[port].cap, __ATOMIC_ACQUIRE))
		return -EBUSY;
	struct dp_capture *c = rte_zmalloc("capture", sizeof(*c), 0);
	if (!c)
		return -ENOMEM;
	c->dp = dp;
	c->port = port;
	c->dir = (uint8_t)dir;
	c->snaplen = snaplen;
	seq++;
	snprintf(name, sizeof(name), "cap%u_%u", port, seq);
	/* a power of two minus one: the mempool's ring is a power of two */
	c->pool = rte_mempool_create(name, DP_CAP_RECORDS - 1, sizeof(struct dp_cap_rec) + snaplen,
				     0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	c->ring = rte_ring_create(name, DP_CAP_RECORDS, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (!c->pool || !c->ring)
		goto fail;
	if (filter) {
		struct rte_bpf_prm *prm = rte_bpf_convert(filter);
		if (!prm) {
			rc = -EINVAL;
			goto fail;
		}
		c->bpf = rte_bpf_load(prm);
		rte_free(prm);
		if (!c->bpf) {
			rc = rte_errno ? -rte_errno : -EINVAL;
			goto fail;
		}
		struct rte_bpf_jit jit;
		if (rte_bpf_get_jit(c->bpf, &jit) == 0 && jit.func)
			c->jit = jit.func;
	}
	c->hz = rte_get_tsc_hz();
	c->tsc0 = rte_get_tsc_cycles();
	c->ns0 = realtime_ns();
	__atomic_store_n(&dp->rt[port].cap, c, __ATOMIC_RELEASE);
	*out = c;
	return 0;
fail:
	if (c->bpf)
		rte_bpf_destroy(c->bpf);
	rte_ring_free(c->ring);
	rte_mempool_free(c->pool);
	rte_free(c);
	return rc;
}

/* Worker: the frames of a burst that pass the filter, copied. */
unsigned dp_capture_burst(struct dp_capture *c, unsigned dir, struct rte_mbuf **pkts, unsigned n)
{
	unsigned lost = 0;
	if (!(c->dir & dir))
		return 0;
	uint64_t d = rte_get_tsc_cycles() - c->tsc0;
	uint64_t ns = c->ns0 + d / c->hz * 1000000000u + d % c->hz * 1000000000u / c->hz;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		if (c->bpf && (c->jit ? c->jit(m) : rte_bpf_exec(c->bpf, m)) == 0)
			continue;
		struct dp_cap_rec *r;
		if (rte_mempool_get(c->pool, (void **)&r) != 0) {
			lost++;
			continue;
		}
		uint32_t len = rte_pktmbuf_pkt_len(m);
		r->ns = ns;
		r->origlen = len;
		r->caplen = RTE_MIN(len, c->snaplen);
		r->dir = (uint8_t)dir;
		const void *p = rte_pktmbuf_read(m, 0, r->caplen, r->data);
		if (p != r->data)
			memcpy(r->data, p, r->caplen);
		if (rte_ring_mp_enqueue(c->ring, r) != 0) {
			rte_mempool_put(c->pool, r);
			lost++;
		}
	}
	if (lost)
		__atomic_fetch_add(&c->dropped, lost, __ATOMIC_RELAXED);
	return lost;
}

unsigned dp_capture_read(struct dp_capture *c, struct dp_cap_rec **recs, unsigned n)
{
	return rte_ring_sc_dequeue_burst(c->ring, (void **)recs, n, NULL);
}

void dp_capture_put(struct dp_capture *c, struct dp_cap_rec **recs, unsigned n)
{
	if (n)
		rte_mempool_put_bulk(c->pool, (void **)recs, n);
}

bool dp_capture_pending(const struct dp_capture *c)
{
	return !rte_ring_empty(c->ring);
}

uint64_t dp_capture_dropped(const struct dp_capture *c)
{
	return __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
}

bool dp_capture_ended(const struct dp_capture *c)
{
	return __atomic_load_n(&c->ended, __ATOMIC_ACQUIRE);
}

/* dp_port_destroy: the port goes, so does its capture (not freed). */
void dp_capture_port_gone(struct dp *dp, uint16_t port)
{
	struct dp_capture *c = __atomic_load_n(&dp->rt[port].cap, __ATOMIC_ACQUIRE);
	if (!c)
		return;
	__atomic_store_n(&dp->rt[port].cap, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&c->ended, true, __ATOMIC_RELEASE);
}

void dp_capture_stop(struct dp_capture *c)
{
	if (!c)
		return;
	struct dp *dp = c->dp;
	struct dp_capture *cur = c;
	/* still published (the port was not destroyed): unpublish */
	__atomic_compare_exchange_n(&dp->rt[c->port].cap, &cur, NULL, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	/* no worker holds it once each passed a quiescent state */
	rte_rcu_qsbr_synchronize(dp->qsbr, RTE_QSBR_THRID_INVALID);
	struct dp_cap_rec *r[64];
	unsigned k;
	while ((k = dp_capture_read(c, r, 64)) > 0)
		dp_capture_put(c, r, k);
	if (c->bpf)
		rte_bpf_destroy(c->bpf);
	rte_ring_free(c->ring);
	rte_mempool_free(c->pool);
	rte_free(c);
}
