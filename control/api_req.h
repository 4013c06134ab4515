/* api_req — parse and validate one API request, with no side effects.
 *
 * Design: the HTTP layer hands over method, decoded path, query string and
 * body; api_req_parse() matches the route, decodes and type-checks every
 * member of the JSON body and the query, and fills a typed struct api_req.
 * Nothing is executed here, so a request is validated completely before any
 * handler runs, and this parser is the fuzz target for the API.
 * Unknown JSON members are rejected (typos must not pass silently).
 * Errors: 0 or negative errno, with struct ctl_err filled (status 400, 404,
 * 405, 413).
 */
#ifndef VNETD_API_REQ_H
#define VNETD_API_REQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/ctl.h"
#include "control/port.h"

#define API_MAX_BODY (1u << 20)

enum api_route {
	API_NET_LIST, API_NET_DEFINE, API_NET_GET, API_NET_XML, API_NET_START,
	API_NET_DESTROY, API_NET_UNDEFINE, API_NET_AUTOSTART, API_NET_LEASES, API_NET_FDB,
	API_PORT_LIST, API_PORT_ADD, API_PORT_GET, API_PORT_STATS, API_PORT_DEL,
	API_STATS, API_VERSION,
	API_NET_UPDATE,
	API_PORT_CAPTURE,
	/* port forwarding and connection tracking (control/api_ct.c) */
	API_PF_LIST, API_PF_ADD, API_PF_DEL, API_CT_LIST, API_CT_FLUSH,
	/* security groups */
	API_SG_LIST, API_SG_CREATE, API_SG_GET, API_SG_UPDATE, API_SG_DEL,
	API_SGR_LIST, API_SGR_CREATE, API_SGR_GET, API_SGR_DEL,
	API_PORT_UPDATE, API_PORT_TRACE,
};

#define API_CAP_SNAPLEN 2048u /* capture: bytes kept of a frame by default */

/* net-list filters (virsh's groups: active/inactive, persistent/transient,
 * autostart/no-autostart; within a group OR, between groups AND). */
enum {
	API_F_ACTIVE = 1, API_F_INACTIVE = 2, API_F_PERSISTENT = 4, API_F_TRANSIENT = 8,
	API_F_AUTOSTART = 16, API_F_NO_AUTOSTART = 32,
};

struct api_req {
	enum api_route route;
	char id[256];        /* network name/uuid or port name from the path */
	unsigned filter;     /* API_F_* */
	bool inactive;       /* xml ?inactive=1 */
	char *xml;           /* define/create body (owned) */
	bool create;
	bool autostart;
	bool has_mac;
	uint8_t mac[6];      /* leases ?mac=, port mac */
	char network[256];   /* ports ?network= or port body */
	/* port add */
	char name[65];
	bool client;
	bool kernel;         /* type "kernel": an existing interface */
	char ifname[16];
	char path[256];
	bool learning;
	/* net update: names as virsh takes them, checked against libvirt's
	 * lists by the handler (before anything changes); xml in r->xml */
	char upd_command[16];
	char upd_section[24];
	int parent_index;    /* -1 = not given */
	unsigned upd_flags;  /* API_UPD_* ; 0 = current */
	/* port capture: ?direction= (DP_CAP_* bits; 0: both), ?count= (0: no
	 * limit), ?snaplen=, ?filter= (tcpdump syntax; owned) */
	unsigned cap_dir, cap_snaplen;
	uint64_t cap_count;
	char *cap_filter;
	/* POST /v1/port-forwards (network in .network); ips host order */
	struct {
		uint8_t proto;
		uint32_t ext_ip, int_ip;
		uint16_t ext_port, int_port;
		char desc[257];
	} pf;
	/* security groups: the validated "security_group" or
	 * "security_group_rule" object (owned reference), the rule list's
	 * ?security_group_id=, a port's security attributes (add, update) */
	struct json_t *policy;
	char sg_filter[256];
	char trace[512];     /* POST /v1/ports/NAME/trace: the packet's description */
	struct port_sec_req sec;
};
enum { API_UPD_LIVE = 1, API_UPD_CONFIG = 2 };

int api_req_parse(const char *method, const char *path, const char *query,
		  const char *body, size_t len, struct api_req *r, struct ctl_err *e);
void api_req_clear(struct api_req *r);

#endif
