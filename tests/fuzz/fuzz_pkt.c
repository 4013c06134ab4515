/* libFuzzer target: the frame parser and key builder. */
#include <stdint.h>

#include "dataplane/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m;
	struct flow_key k;
	if (pkt_parse(data, size, true, &m) == 0)
		pkt_key(&m, 1, PKT_SHAPE_L3, &k);
	if (pkt_parse(data, size, false, &m) == 0)
		pkt_key(&m, 1, PKT_SHAPE_L2, &k);
	return 0;
}
