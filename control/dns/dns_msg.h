/*
 * dns_msg.h - DNS wire format (RFC 1035, RFC 3596 AAAA, RFC 2782 SRV,
 * RFC 6891 EDNS0) and a local zone table, without DPDK.
 *
 * Design note
 *  - Who writes / who reads: the control thread only (parsing, answer
 *    building and the zone table).  Nothing is shared with the workers; the
 *    parser and the builder keep no state of their own (the builder's state
 *    is the caller's struct dns_answer) and are thread-safe.
 *  - Parsing: dns_parse_query() never reads outside [p, p+len).  Names are
 *    decoded to lowercase dotted text (no trailing dot, "" for the root);
 *    compression pointers must point strictly backwards (so they cannot
 *    loop) and at most DNS_MAX_PTRS are followed.  Records after the
 *    question are only scanned for the EDNS0 OPT record; a malformed record
 *    there ends the scan (lenient, as dnsmasq) but is never read past.
 *  - Building: no allocation.  Records that do not fit in the client's UDP
 *    size (512 without EDNS0, or the EDNS0 size capped at DNS_EDNS_MAX) are
 *    dropped and the TC bit is set.  Owner names and PTR/CNAME targets are
 *    compressed against the names already written (the question first).
 *  - Memory: struct dns_zone owns copies of every name and string given to
 *    it; dns_zone_free() frees them all.  Names are fed by the caller (DHCP
 *    leases, <host>/<srv>/<txt> of the network XML).  Lookups go through a
 *    hash index on owner names (adding and answering are O(1) per record,
 *    tens of thousands of records are fine); dns_zone_remove() is O(n).
 *  - Errors: 0 or a negative errno.
 */
#ifndef VNETD_DNS_MSG_H
#define VNETD_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_PORT 53
#define DNS_HDR_LEN 12
#define DNS_NAME_WIRE_MAX 255
#define DNS_LABEL_MAX 63
#define DNS_NAME_TEXT_MAX 254     /* 253 characters + NUL */
#define DNS_MAX_PTRS 32           /* compression pointers followed per name */
#define DNS_UDP_MIN 512           /* RFC 1035 UDP size without EDNS0 */
#define DNS_EDNS_MAX 4096         /* largest UDP answer we build */
#define DNS_EDNS_ADVERTISE 1232   /* UDP size we advertise in our OPT */
#define DNS_PTR4_MAX 29           /* "255.255.255.255.in-addr.arpa" + NUL */
#define DNS_PTR6_MAX 73           /* 32 nibbles + "ip6.arpa" + NUL */

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
	DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_SRV = 33,
	DNS_T_OPT = 41, DNS_T_ANY = 255,
};
#define DNS_C_IN 1
#define DNS_C_ANY 255

enum dns_rcode {
	DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3, DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5,
};

/* Header flag bits (host order of the 16-bit flags word). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)
#define DNS_RCODE(f) ((f) & 0xf)

/* dns_answer_begin() flags */
#define DNS_ANS_AA 0x1   /* authoritative answer */
#define DNS_ANS_RA 0x2   /* recursion available */
#define DNS_ANS_TCP 0x4  /* answer goes over TCP: no 512/EDNS limit */

struct dns_query {
	uint16_t id;
	uint16_t flags;          /* header flags word as received */
	uint16_t qdcount, ancount, nscount, arcount;
	bool has_question;       /* false only with -EBADMSG/-EOPNOTSUPP early */
	char name[DNS_NAME_TEXT_MAX];  /* lowercase dotted QNAME */
	uint8_t wire[DNS_NAME_WIRE_MAX]; /* QNAME as received (case kept) */
	uint8_t wire_len;
	uint16_t qtype, qclass;
	bool edns;               /* an OPT record was present */
	uint8_t edns_version;    /* != 0: the caller may answer BADVERS */
	bool edns_do;            /* DNSSEC OK bit */
	uint16_t udp_size;       /* client's EDNS0 size, 512 without EDNS0 */
	size_t rr_off;           /* offset of the first record after the question */
};

/*
 * Parses a query.  Returns 0, or:
 *  -EINVAL      shorter than a header or QR set (do not answer);
 *  -EOPNOTSUPP  opcode is not QUERY (q->id/flags set: answer NOTIMP);
 *  -EBADMSG     malformed after the header (q->id/flags set, the question
 *               only if q->has_question: answer FORMERR).
 */
int dns_parse_query(const uint8_t *p, size_t len, struct dns_query *q);
/* Same for a response (QR must be set); used by tests and a future forwarder. */
int dns_parse_response(const uint8_t *p, size_t len, struct dns_query *q);

/*
 * Decodes the name at *off into out (lowercase dotted, DNS_NAME_TEXT_MAX);
 * *off moves past the name as stored at *off.  0 or -EBADMSG.
 */
int dns_name_decode(const uint8_t *p, size_t len, size_t *off, char *out);

/* One resource record, as walked by dns_rr_next(). */
struct dns_rr {
	char name[DNS_NAME_TEXT_MAX];
	uint16_t type, rclass;
	uint32_t ttl;
	size_t rdata_off;        /* offset of the RDATA in the message */
	uint16_t rdlen;
};
/* Reads the record at *off and moves *off past it.  0 or -EBADMSG. */
int dns_rr_next(const uint8_t *p, size_t len, size_t *off, struct dns_rr *rr);

/* Answer builder state (caller-allocated, no allocation inside). */
#define DNS_COMP_MAX 32
struct dns_answer {
	uint8_t *buf;
	size_t cap;              /* usable bytes (client limit, OPT reserved) */
	size_t len;
	uint16_t count[3];       /* answer, authority, additional */
	int section;             /* 0, 1, 2: where dns_add_* writes */
	bool edns, truncated;
	bool qname;              /* the question name is at offset 12 */
	uint16_t comp[DNS_COMP_MAX]; /* offsets of names usable as pointers */
	int n_comp;
};
#define DNS_SEC_ANSWER 0
#define DNS_SEC_AUTHORITY 1
#define DNS_SEC_ADDITIONAL 2

/*
 * Starts an answer to q in buf: header (QR, q's id/opcode/RD, rcode, AA/RA
 * per flags) and q's question (if it had one).  0 or -EMSGSIZE (not even
 * the question fits) / -EINVAL.
 */
int dns_answer_begin(struct dns_answer *a, uint8_t *buf, size_t cap,
		const struct dns_query *q, unsigned rcode, unsigned flags);
/* Moves on to a later section (never back).  0 or -EINVAL. */
int dns_answer_section(struct dns_answer *a, int section);
/*
 * Records: name NULL means the question name.  0, -EMSGSIZE (did not fit:
 * TC set, the record left out), -EINVAL (bad name/text).
 */
int dns_add_a(struct dns_answer *a, const char *name, uint32_t ttl, uint32_t ip);
int dns_add_aaaa(struct dns_answer *a, const char *name, uint32_t ttl, const uint8_t ip[16]);
int dns_add_ptr(struct dns_answer *a, const char *name, uint32_t ttl, const char *target);
int dns_add_cname(struct dns_answer *a, const char *name, uint32_t ttl, const char *target);
int dns_add_srv(struct dns_answer *a, const char *name, uint32_t ttl, uint16_t prio,
		uint16_t weight, uint16_t port, const char *target);
int dns_add_txt(struct dns_answer *a, const char *name, uint32_t ttl, const char *text);
/* Writes the counts and the OPT record (if the query had EDNS0): the length. */
size_t dns_answer_end(struct dns_answer *a);

/* Reverse names.  ip is in host byte order. */
void dns_ptr_name_v4(uint32_t ip, char *out /* DNS_PTR4_MAX */);
void dns_ptr_name_v6(const uint8_t ip[16], char *out /* DNS_PTR6_MAX */);
/* Inverse: 0 (AF_INET / AF_INET6 name of a full address) or -EINVAL. */
int dns_ptr_parse_v4(const char *name, uint32_t *ip);
int dns_ptr_parse_v6(const char *name, uint8_t ip[16]);

/* Canonical form of a text name: lowercase, no trailing dot.  0 or -EINVAL. */
int dns_name_canon(const char *in, char *out /* DNS_NAME_TEXT_MAX */);

/*
 * Local zone (see dns_zone.c).  domain may be NULL; local_only makes every name
 * under domain authoritative (NXDOMAIN instead of forwarding), as libvirt's
 * <domain localOnly='yes'>.
 */
struct dns_zone;
struct dns_zone *dns_zone_new(const char *domain, bool local_only, uint32_t ttl);
void dns_zone_free(struct dns_zone *z);
/*
 * A host (a DHCP lease or a <host> entry): A or AAAA for name, and, when
 * name has no dot and the zone has a domain, for name.domain too (libvirt's
 * expand-hosts); plus the PTR of the address to the fully qualified name.
 * family is 4 or 6; addr is a uint32_t (host order) or 16 bytes.
 */
int dns_zone_add_host(struct dns_zone *z, const char *name, int family, const void *addr);
int dns_zone_add_a(struct dns_zone *z, const char *name, uint32_t ip);
int dns_zone_add_aaaa(struct dns_zone *z, const char *name, const uint8_t ip[16]);
int dns_zone_add_ptr(struct dns_zone *z, const char *name, const char *target);
int dns_zone_add_srv(struct dns_zone *z, const char *name, uint16_t prio, uint16_t weight,
		uint16_t port, const char *target);
int dns_zone_add_txt(struct dns_zone *z, const char *name, const char *text);
/* Removes every record owned by name and every PTR pointing at it: the count. */
int dns_zone_remove(struct dns_zone *z, const char *name);
size_t dns_zone_count(const struct dns_zone *z);
/*
 * Answers q from the zone into buf: an authoritative answer, NODATA
 * (NOERROR, no answer) or NXDOMAIN, returning the length; -ENOENT when the
 * name is not local (forward it), -EMSGSIZE when cap is too small.
 */
int dns_zone_answer(const struct dns_zone *z, const struct dns_query *q,
		uint8_t *buf, size_t cap, unsigned flags);

#endif
