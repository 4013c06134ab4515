/* libFuzzer target: the API request parser.  Input layout: method byte,
 * then path, query and body separated by NUL bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/api_req.h"

static const char *const methods[] = { "GET", "POST", "PUT", "DELETE", "PATCH" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *method = methods[data[0] % 5];
	char *buf = malloc(size + 2);
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = 0;
	buf[size] = 0;
	char *path = buf;
	char *query = path + strlen(path) + 1;
	if (query > buf + size - 1)
		query = buf + size - 1;
	char *body = query + strlen(query) + 1;
	size_t blen = body <= buf + size - 1 ? (size_t)(buf + size - 1 - body) : 0;
	if (body > buf + size)
		body = buf + size;
	struct api_req r;
	struct ctl_err e;
	if (api_req_parse(method, path, query, body, blen, &r, &e) == 0)
		api_req_clear(&r);
	free(buf);
	return 0;
}
