/*
 * test_cli_table.c - exact bytes of vnetctl's vsh-table renderer, checked
 * against virsh 9.0.0 output captured in
 * /work/shared/conformance/libvirt/captured/virsh-9.0.0-test-driver.txt
 * and the net-dhcp-leases example of the conformance README.
 */
#include <errno.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "table.h"

static struct cli_table *net_table(void)
{
    struct cli_table *t = cli_table_new("Name", "State", "Autostart",
                                        "Persistent", NULL);
    assert_non_null(t);
    return t;
}

static void assert_render(struct cli_table *t, bool header, const char *want)
{
    char *got = cli_table_render(t, header);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

/* virsh 'net-list --all' on the test driver */
static void test_net_list_one(void **state)
{
    (void)state;
    struct cli_table *t = net_table();

    assert_int_equal(cli_table_add_row(t, "default", "active", "no", "yes",
                                       NULL), 0);
    assert_render(t, true,
                  " Name      State    Autostart   Persistent\n"
                  "--------------------------------------------\n"
                  " default   active   no          yes\n");
    cli_table_free(t);
}

/* 'net-list --all' after defining nat1 and minimal */
static void test_net_list_three(void **state)
{
    (void)state;
    struct cli_table *t = net_table();

    cli_table_add_row(t, "default", "active", "no", "yes", NULL);
    cli_table_add_row(t, "minimal", "inactive", "no", "yes", NULL);
    cli_table_add_row(t, "nat1", "inactive", "no", "yes", NULL);
    assert_int_equal(cli_table_nrows(t), 3);
    assert_render(t, true,
                  " Name      State      Autostart   Persistent\n"
                  "----------------------------------------------\n"
                  " default   active     no          yes\n"
                  " minimal   inactive   no          yes\n"
                  " nat1      inactive   no          yes\n");
    cli_table_free(t);
}

/* 'net-list --transient' with the transient network 'trans' */
static void test_net_list_short_name(void **state)
{
    (void)state;
    struct cli_table *t = net_table();

    cli_table_add_row(t, "trans", "active", "no", "no", NULL);
    assert_render(t, true,
                  " Name    State    Autostart   Persistent\n"
                  "------------------------------------------\n"
                  " trans   active   no          no\n");
    cli_table_free(t);
}

/* 'net-list --transient' with no match: header and rule only */
static void test_net_list_empty(void **state)
{
    (void)state;
    struct cli_table *t = net_table();

    assert_int_equal(cli_table_nrows(t), 0);
    assert_render(t, true,
                  " Name   State   Autostart   Persistent\n"
                  "----------------------------------------\n");
    /* virsh -q: no header, so nothing at all */
    assert_render(t, false, "");
    cli_table_free(t);
}

static void test_net_list_quiet(void **state)
{
    (void)state;
    struct cli_table *t = net_table();

    cli_table_add_row(t, "default", "active", "no", "yes", NULL);
    /* widths come from the data rows only when the header is not shown */
    assert_render(t, false, " default   active   no   yes\n");
    cli_table_free(t);
}

/* README: net-dhcp-leases table format */
static void test_dhcp_leases_readme(void **state)
{
    (void)state;
    struct cli_table *t = cli_table_new("Expiry Time", "MAC address",
                                        "Protocol", "IP address", "Hostname",
                                        "Client ID or DUID", NULL);
    assert_non_null(t);
    assert_int_equal(cli_table_add_row(t, "2023-01-20 10:00:00",
                                       "52:54:00:aa:bb:cc", "ipv4",
                                       "192.168.122.45/24", "vm1",
                                       "01:52:54:00:aa:bb:cc", NULL), 0);
    assert_render(t, true,
        " Expiry Time           MAC address         Protocol   IP address  "
        "        Hostname   Client ID or DUID\n"
        "------------------------------------------------------------------"
        "-----------------------------------------\n"
        " 2023-01-20 10:00:00   52:54:00:aa:bb:cc   ipv4       192.168.122."
        "45/24   vm1        01:52:54:00:aa:bb:cc\n");
    cli_table_free(t);
}

/* missing values ("-") via the array interface */
static void test_null_cells_dash(void **state)
{
    (void)state;
    const char *hdr[3] = { "A", "Bee", "C" };
    const char *row[3] = { "x", NULL, "z" };
    struct cli_table *t = cli_table_newv(3, hdr);

    assert_non_null(t);
    assert_int_equal(cli_table_add_rowv(t, row), 0);
    assert_render(t, true,
                  " A   Bee   C\n"
                  "--------------\n"
                  " x   -     z\n");
    cli_table_free(t);
}

static void test_wrong_cell_count(void **state)
{
    (void)state;
    struct cli_table *t = net_table();

    errno = 0;
    assert_int_equal(cli_table_add_row(t, "a", "b", NULL), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(cli_table_nrows(t), 0);
    cli_table_free(t);
    assert_null(cli_table_new(NULL));
}

/* control characters and a literal "\x" are escaped as in vsh-table */
static void test_escape(void **state)
{
    (void)state;
    size_t w = 0;
    char *s = cli_table_escape("a\tb", &w);

    assert_string_equal(s, "a\\x09b");
    assert_int_equal(w, 6);
    free(s);

    s = cli_table_escape("\\x41", &w);
    assert_string_equal(s, "\\x5cx41");
    assert_int_equal(w, 7);
    free(s);

    s = cli_table_escape("", &w);
    assert_string_equal(s, "");
    assert_int_equal(w, 0);
    free(s);

    struct cli_table *t = cli_table_new("N", "V", NULL);
    cli_table_add_row(t, "a\nb", "1", NULL);
    assert_render(t, true,
                  " N        V\n"
                  "-------------\n"
                  " a\\x0ab   1\n");
    cli_table_free(t);
}

/* display width of multibyte text (needs a UTF-8 locale) */
static void test_utf8_width(void **state)
{
    (void)state;
    if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "en_US.UTF-8"))
        skip();

    struct cli_table *t = cli_table_new("Name", "X", NULL);
    cli_table_add_row(t, "caf\xc3\xa9net", "1", NULL); /* 7 columns */
    assert_render(t, true,
                  " Name      X\n"
                  "--------------\n"
                  " caf\xc3\xa9net   1\n");
    cli_table_free(t);
    setlocale(LC_CTYPE, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_net_list_one),
        cmocka_unit_test(test_net_list_three),
        cmocka_unit_test(test_net_list_short_name),
        cmocka_unit_test(test_net_list_empty),
        cmocka_unit_test(test_net_list_quiet),
        cmocka_unit_test(test_dhcp_leases_readme),
        cmocka_unit_test(test_null_cells_dash),
        cmocka_unit_test(test_wrong_cell_count),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_utf8_width),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
