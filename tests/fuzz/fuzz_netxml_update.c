/*
 * fuzz_netxml_update.c - libFuzzer target for nx_update() (net-update).
 *
 * Input: byte 0 picks the command (0..5: libvirt's four and two invalid
 * codes), byte 1 the section (0..13: every libvirt section and invalid
 * ones), byte 2 the parent index (-1..6), the rest is the element XML.
 * Applied to a fixed network that has something in every section.  A
 * refused update must report a message and leave the definition exactly as
 * it was; an accepted one must still format.  Leak-free under ASan.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/netxml/netxml.h"

static const char base[] =
    "<network><name>f</name><uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>"
    "<forward mode='nat' dev='eth1'/><bridge name='virbr7'/>"
    "<dns><txt name='example' value='v'/><host ip='192.168.122.1'><hostname>gw</hostname></host>"
    "<srv service='name' protocol='tcp' domain='d' target='.' port='1024' priority='10' weight='10'/></dns>"
    "<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>"
    "<range start='192.168.122.100' end='192.168.122.150'/>"
    "<host mac='00:16:3e:77:e2:ed' name='a' ip='192.168.122.10'/>"
    "<host mac='00:16:3e:3e:a9:1a' name='b' ip='192.168.122.11'/>"
    "</dhcp></ip><ip family='ipv6' address='fd00::1' prefix='64'><dhcp>"
    "<host name='c' ip='fd00::5'/></dhcp></ip>"
    "<portgroup name='p1' default='yes'/><portgroup name='p2'/></network>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nx_network *n = NULL;
    char err[512];
    char *before, *after;

    if (size < 3)
        return 0;
    if (nx_parse(base, sizeof(base) - 1, &n, err, sizeof(err)) < 0)
        __builtin_trap();
    before = nx_format(n, 0);
    if (!before)
        __builtin_trap();
    int rc = nx_update(n, data[0] % 6, data[1] % 14, (int)(data[2] % 8) - 1,
                       (const char *)data + 3, size - 3, err, sizeof(err));
    after = nx_format(n, 0);
    if (!after)
        __builtin_trap();
    if (rc < 0 && (!err[0] || strcmp(before, after) != 0))
        __builtin_trap(); /* refused: a message, and nothing changed */
    free(before);
    free(after);
    nx_free(n);
    return 0;
}
