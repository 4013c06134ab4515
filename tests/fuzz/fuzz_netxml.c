/*
 * fuzz_netxml.c - libFuzzer target for the libvirt network XML model.
 *
 * parse -> validate -> format -> reparse -> reformat (must be identical)
 * -> apply driver defaults -> format -> copy -> free.  Must be leak-free
 * (run with -fsanitize=fuzzer,address,undefined).
 *
 * What the API accepts (parse and validate succeed) is what vnetd stores,
 * and it must load again at the next start: the formatted text must parse,
 * validate again, and format to the same bytes; the stored form (driver
 * defaults applied, inactive format) must load at start (parse, defaults)
 * and format to the same bytes.  Anything else aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/netxml/netxml.h"

static int
in_use(const char *name, void *opaque)
{
    (void)opaque;
    /* pretend the first few bridges are taken */
    return strcmp(name, "virbr0") == 0 || strcmp(name, "virbr1") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nx_network *n = NULL, *n2 = NULL, *c;
    char err[512], list[256];
    char *x1, *x2;

    if (nx_parse((const char *)data, size, &n, err, sizeof(err)) < 0) {
        if (n || !err[0])
            __builtin_trap();   /* failure must report a message, no object */
        return 0;
    }
    int valid = nx_validate(n, err, sizeof(err)) == 0;
    (void)nx_unsupported(n, list, sizeof(list));

    x1 = nx_format(n, 0);
    if (!x1)
        __builtin_trap();
    /* libvirt's own output must be accepted again and be a fixed point */
    if (nx_parse(x1, strlen(x1), &n2, err, sizeof(err)) < 0)
        __builtin_trap();
    /* accepted once, accepted again after a store/load round trip */
    if (valid && nx_validate(n2, err, sizeof(err)) < 0)
        __builtin_trap();
    x2 = nx_format(n2, 0);
    if (!x2 || strcmp(x1, x2) != 0)
        __builtin_trap();
    free(x2);
    nx_free(n2);

    if (nx_apply_driver_defaults(n, in_use, NULL, err, sizeof(err)) == 0) {
        /* what net-define stores, loaded the way vnetd loads it at start */
        char *x3 = nx_format(n, NX_FMT_INACTIVE), *x4;
        if (!x3 || nx_parse(x3, strlen(x3), &n2, err, sizeof(err)) < 0 ||
            nx_apply_driver_defaults(n2, NULL, NULL, err, sizeof(err)) < 0)
            __builtin_trap();
        x4 = nx_format(n2, NX_FMT_INACTIVE);
        if (!x4 || strcmp(x3, x4) != 0)
            __builtin_trap();
        free(x4);
        free(x3);
        nx_free(n2);
    }
    c = nx_copy(n);
    nx_free(c);
    free(x1);
    nx_free(n);
    return 0;
}
