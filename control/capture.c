/* capture.c — see capture.h. */
#include "control/capture.h"

#include <errno.h>
#include <microhttpd.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/log.h"
#include "control/port.h"
#include "dataplane/capture.h"
#include "dataplane/dp.h"

#define CAPTURE_TICK_MS 10
#define CAPTURE_BLOCK 16384 /* bytes per reader call */

struct stream {
	struct stream *prev, *next;
	struct capture_srv *srv;
	struct MHD_Connection *conn;
	struct dp_capture *dc;
	int fd;               /* the client's connection */
	char port[256];       /* its name, for the log */
	bool suspended;
	bool hangup;          /* the client went away while suspended */
	bool hdr_sent;
	uint64_t count, sent; /* count 0: no limit */
	unsigned snaplen;
	size_t pend_len, pend_off;
	uint8_t pend[];       /* one pcap record: 16 + snaplen bytes */
};

struct capture_srv {
	struct stream *streams;
};

/* classic pcap, microsecond timestamps, Ethernet */
struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major, minor;
	int32_t thiszone;
	uint32_t sigfigs, snaplen, linktype;
};
struct pcap_rec_hdr {
	uint32_t sec, usec, caplen, len;
};

struct capture_srv *capture_srv_create(void)
{
	return calloc(1, sizeof(struct capture_srv));
}

static bool done(const struct stream *k)
{
	return k->count && k->sent >= k->count;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *k = cls;
	size_t n = 0;

	if (!k->hdr_sent) {
		struct pcap_file_hdr h = { .magic = 0xa1b2c3d4, .major = 2, .minor = 4,
					   .snaplen = k->snaplen, .linktype = DLT_EN10MB };
		if (max < sizeof(h))
			return 0;
		memcpy(buf, &h, sizeof(h));
		n = sizeof(h);
		k->hdr_sent = true;
	}
	while (n < max) {
		if (k->pend_off < k->pend_len) {
			size_t c = k->pend_len - k->pend_off;
			if (c > max - n)
				c = max - n;
			memcpy(buf + n, k->pend + k->pend_off, c);
			k->pend_off += c;
			n += c;
			continue;
		}
		struct dp_cap_rec *r;
		if (done(k) || dp_capture_read(k->dc, &r, 1) == 0)
			break;
		struct pcap_rec_hdr h = { .sec = (uint32_t)(r->ns / 1000000000u),
					  .usec = (uint32_t)(r->ns % 1000000000u / 1000u),
					  .caplen = r->caplen, .len = r->origlen };
		memcpy(k->pend, &h, sizeof(h));
		memcpy(k->pend + sizeof(h), r->data, r->caplen);
		k->pend_len = sizeof(h) + r->caplen;
		k->pend_off = 0;
		dp_capture_put(k->dc, &r, 1);
		k->sent++;
	}
	if (n)
		return (ssize_t)n;
	if (k->hangup)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (done(k) || (dp_capture_ended(k->dc) && !dp_capture_pending(k->dc)))
		return MHD_CONTENT_READER_END_OF_STREAM;
	/* nothing yet: capture_run resumes us when there is */
	MHD_suspend_connection(k->conn);
	k->suspended = true;
	return 0;
}

/* The response is gone (sent, or the connection closed): stop. */
static void stream_free(void *cls)
{
	struct stream *k = cls;
	VNETD_LOG("capture", INFO, "capture of port %s ended: %llu frames sent, %llu not copied (ring full)\n",
		  k->port, (unsigned long long)k->sent,
		  (unsigned long long)dp_capture_dropped(k->dc));
	dp_capture_stop(k->dc);
	if (k->prev)
		k->prev->next = k->next;
	else
		k->srv->streams = k->next;
	if (k->next)
		k->next->prev = k->prev;
	free(k);
}

static int compile(const char *expr, unsigned snaplen, struct bpf_program *prog,
		   struct ctl_err *e)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (!p)
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: pcap_open_dead failed");
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		ctl_fail(e, EINVAL, 400, "invalid-arg", "invalid argument: filter '%s': %s", expr,
			 pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	return 0;
}

int capture_respond(struct capture_srv *s, struct ctl *c, struct MHD_Connection *conn,
		    const struct api_req *r, struct ctl_err *e)
{
	struct port *p = portreg_find(c->ports, r->id);
	if (!p)
		return ctl_fail(e, ENOENT, 404, "no-port",
				"Port not found: no port with matching name '%s'", r->id);
	struct port_info i;
	port_info(c->ports, p, &i);
	if (i.dp_id < 0)
		return ctl_fail(e, ENODEV, 409, "operation-invalid",
				"Requested operation is not valid: port '%s' is not bound", r->id);
	unsigned snaplen = r->cap_snaplen ? r->cap_snaplen : API_CAP_SNAPLEN;
	struct bpf_program prog = { 0 };
	bool filtered = r->cap_filter && r->cap_filter[0];
	if (filtered && compile(r->cap_filter, snaplen, &prog, e) < 0)
		return -EINVAL;
	struct stream *k = calloc(1, sizeof(*k) + sizeof(struct pcap_rec_hdr) + snaplen);
	int rc = k ? 0 : -ENOMEM;
	if (k)
		rc = dp_capture_start(c->dp, (uint16_t)i.dp_id,
				      r->cap_dir ? r->cap_dir : DP_CAP_IN | DP_CAP_OUT, snaplen,
				      filtered ? &prog : NULL, &k->dc);
	if (filtered)
		pcap_freecode(&prog);
	if (rc < 0) {
		free(k);
		if (rc == -EBUSY)
			return ctl_fail(e, EBUSY, 409, "operation-invalid",
					"Requested operation is not valid: port '%s' is being captured already",
					r->id);
		if (rc == -EINVAL)
			return ctl_fail(e, EINVAL, 400, "invalid-arg",
					"invalid argument: the filter cannot run in the dataplane");
		return ctl_fail(e, -rc, 500, "internal-error",
				"internal error: cannot start the capture: %s", strerror(-rc));
	}
	k->srv = s;
	k->conn = conn;
	snprintf(k->port, sizeof(k->port), "%s", r->id);
	VNETD_LOG("capture", INFO, "capture of port %s started (direction %s, count %llu, filter '%s')\n",
		  k->port, r->cap_dir == DP_CAP_IN ? "in" : r->cap_dir == DP_CAP_OUT ? "out" : "both",
		  (unsigned long long)r->cap_count, filtered ? r->cap_filter : "");
	k->count = r->cap_count;
	k->snaplen = snaplen;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	k->fd = ci ? ci->connect_fd : -1;
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, CAPTURE_BLOCK, reader, k, stream_free);
	if (!resp) {
		dp_capture_stop(k->dc);
		free(k);
		return ctl_fail(e, ENOMEM, 500, "internal-error", "internal error: out of memory");
	}
	k->next = s->streams;
	if (s->streams)
		s->streams->prev = k;
	s->streams = k;
	MHD_add_response_header(resp, "Content-Type", "application/vnd.tcpdump.pcap");
	enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp); /* frees k through stream_free when not queued */
	return ok == MHD_YES ? 0 : -EIO;
}

int capture_timeout_ms(const struct capture_srv *s)
{
	return s && s->streams ? CAPTURE_TICK_MS : -1;
}

static bool hung_up(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

void capture_run(struct capture_srv *s)
{
	for (struct stream *k = s->streams; k; k = k->next) {
		if (!k->suspended)
			continue;
		if (hung_up(k->fd))
			k->hangup = true;
		if (k->hangup || dp_capture_pending(k->dc) || dp_capture_ended(k->dc)) {
			k->suspended = false;
			MHD_resume_connection(k->conn);
		}
	}
}

void capture_srv_shutdown(struct capture_srv *s)
{
	for (struct stream *k = s ? s->streams : NULL; k; k = k->next) {
		k->hangup = true;
		if (k->suspended) {
			k->suspended = false;
			MHD_resume_connection(k->conn);
		}
	}
}

void capture_srv_free(struct capture_srv *s)
{
	free(s);
}
