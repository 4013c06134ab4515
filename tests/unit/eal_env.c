/* Minimal EAL for unit tests of modules built on rte_hash / rte_rcu_qsbr:
 * no hugepages, no PCI, a private file prefix, lcores 0 (main) and 1. */
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

#include "eal_env.h"

int test_eal_init(void)
{
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "unit%d", (int)getpid());
	char *argv[] = { "unit", "--lcores", "0@0,1@0", "--no-huge", "-m", "128", "--no-shconf",
			 "--no-pci", "--log-level", "3", "--file-prefix", prefix, NULL };
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0 ? -1 : 0;
}
