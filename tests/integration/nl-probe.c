/* nl-probe — control/host/nl.c from the command line, for test_hostnl.sh:
 *   nl-probe route                      prints "IFNAME GATEWAY"
 *   nl-probe if IFNAME                  prints "IFINDEX MAC MTU IP/PLEN"
 *   nl-probe neigh IFNAME IP            prints "MAC", "unresolved" or "none"
 *   nl-probe resolve IFNAME IP          triggers resolution
 *   nl-probe tap NAME MAC IP/PLEN MTU   creates the TAP, configures it, prints
 *                                       "ready", holds it until stdin closes
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/host/nl.h"

static int die(const char *what, int e)
{
	fprintf(stderr, "nl-probe: %s: %s\n", what, strerror(-e));
	return 1;
}

int main(int argc, char **argv)
{
	char name[IF_NAMESIZE], a[INET_ADDRSTRLEN];
	uint32_t ip;
	uint8_t mac[6];
	int e;

	if (argc >= 2 && !strcmp(argv[1], "route")) {
		if ((e = nl_default_route(name, &ip)) < 0)
			return die("route", e);
		printf("%s %s\n", name, inet_ntop(AF_INET, &ip, a, sizeof(a)));
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "if")) {
		struct nl_ifinfo i;
		if ((e = nl_if_info(argv[2], &i)) < 0)
			return die("if", e);
		printf("%d %02x:%02x:%02x:%02x:%02x:%02x %u %s/%u\n", i.ifindex, i.mac[0],
		       i.mac[1], i.mac[2], i.mac[3], i.mac[4], i.mac[5], i.mtu,
		       inet_ntop(AF_INET, &i.ip, a, sizeof(a)), i.plen);
		return 0;
	}
	if (argc >= 4 && (!strcmp(argv[1], "neigh") || !strcmp(argv[1], "resolve"))) {
		int idx = (int)if_nametoindex(argv[2]);
		if (!idx || inet_pton(AF_INET, argv[3], &ip) != 1)
			return die("arguments", -EINVAL);
		if (!strcmp(argv[1], "resolve"))
			return (e = nl_neigh_resolve(idx, ip)) < 0 ? die("resolve", e) : 0;
		e = nl_neigh_lookup(idx, ip, mac);
		if (e == -EAGAIN)
			printf("unresolved\n");
		else if (e == -ENOENT)
			printf("none\n");
		else if (e < 0)
			return die("neigh", e);
		else
			printf("%02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2], mac[3],
			       mac[4], mac[5]);
		return 0;
	}
	if (argc >= 6 && !strcmp(argv[1], "tap")) {
		unsigned m[6], plen;
		char *slash = strchr(argv[4], '/');
		if (sscanf(argv[3], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6 ||
		    !slash || (*slash = 0, inet_pton(AF_INET, argv[4], &ip) != 1))
			return die("arguments", -EINVAL);
		plen = (unsigned)atoi(slash + 1);
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)m[i];
		int fd = nl_tap_create(argv[2]);
		if (fd < 0)
			return die("tap", fd);
		int idx = (int)if_nametoindex(argv[2]);
		if ((e = nl_link_set(idx, mac, (unsigned)atoi(argv[5]), true)) < 0 ||
		    (e = nl_addr_add(idx, ip, (uint8_t)plen)) < 0)
			return die("tap settings", e);
		printf("ready\n");
		fflush(stdout);
		char c;
		while (read(0, &c, 1) > 0)
			;
		close(fd);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "del"))
		return (e = nl_link_del(argv[2])) < 0 ? die("del", e) : 0;
	fprintf(stderr, "usage: see the top of nl-probe.c\n");
	return 2;
}
