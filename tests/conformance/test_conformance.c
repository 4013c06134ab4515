/*
 * test_conformance.c - data-driven libvirt network XML conformance test.
 *
 * Usage: test_conformance LIBVIRT-9.0.0-DIR
 *          libvirt's own test data, as tests/conformance/fetch-libvirt.sh
 *          extracts it from Debian's source package (or ../shared's copy)
 *        test_conformance --captured SHARED-DIR
 *          ../shared/conformance/libvirt: the captured virsh transcript and
 *          the upstream nat-port-range file, which exist only there
 *
 * Reads the data at run time:
 *  1. tests/networkxml2xmlin/X.xml with tests/networkxml2xmlout/X.xml:
 *     parse, format (no driver defaults), compare byte for byte.  The
 *     inputs are the ones tests/networkxml2xmltest.c runs (DO_TEST,
 *     DO_TEST_FLAGS, DO_TEST_PARSE_ERROR), checked against the directory.
 *  2. inputs libvirt rejects (DO_TEST_PARSE_ERROR): parse must fail with
 *     libvirt's message (network_conf.c's, in parse_fails[]).
 *  3. (--captured) captured/virsh-9.0.0-test-driver.txt: every
 *     "net-define FILE" whose input file is embedded in the transcript:
 *     parse must succeed when virsh succeeded, or fail with exactly virsh's
 *     message (minus "error: ").  Failures raised after parsing (duplicate
 *     name/uuid) are skipped.
 *  4. every other network XML (confdata, firewalldata, default.xml.in;
 *     --captured: upstream nat-port-range): parse must succeed and format
 *     must be idempotent (format(parse(format(parse(x)))) == format(parse(x))).
 *
 * Prints one line per check and "N passed, N failed"; exit 1 on failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/netxml/netxml.h"

static int npass, nfail;

static void
result(int ok, const char *what, const char *name, const char *detail)
{
    if (ok) {
        npass++;
        printf("[       OK ] %s %s\n", what, name);
    } else {
        nfail++;
        printf("[  FAILED  ] %s %s\n%s%s", what, name, detail ? detail : "",
               detail && detail[0] && detail[strlen(detail) - 1] != '\n' ? "\n" : "");
    }
}

static char *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, r;

    if (!f)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 8192;
            if (!(nb = realloc(buf, cap))) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, 4096, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t
list_xml(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    size_t n = 0;

    if (!d)
        return 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        char **nv;
        if (l < 5 || strcmp(de->d_name + l - 4, ".xml") != 0)
            continue;
        if (!(nv = realloc(v, (n + 1) * sizeof(*v))))
            break;
        v = nv;
        v[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(v, n, sizeof(*v), cmp_names);
    *out = v;
    return n;
}

static void
free_list(char **v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* first differing line, for diagnostics */
static void
diff_detail(const char *exp, const char *got, char *buf, size_t len)
{
    size_t i = 0, line = 1, ls = 0;
    while (exp[i] && exp[i] == got[i]) {
        if (exp[i] == '\n') {
            line++;
            ls = i + 1;
        }
        i++;
    }
    snprintf(buf, len, "  first difference at line %zu\n  expected: %.*s\n  got:      %.*s\n",
             line, (int)strcspn(exp + ls, "\n"), exp + ls,
             (int)strcspn(got + ls, "\n"), got + ls);
}

static void
check_idempotent(const char *what, const char *name, const char *xml, size_t len)
{
    struct nx_network *n = NULL, *n2 = NULL;
    char err[1024], detail[2048];
    char *f1 = NULL, *f2 = NULL;
    int ok = 0;

    detail[0] = 0;
    if (nx_parse(xml, len, &n, err, sizeof(err)) < 0) {
        snprintf(detail, sizeof(detail), "  parse failed: %s\n", err);
    } else if (!(f1 = nx_format(n, 0))) {
        snprintf(detail, sizeof(detail), "  format failed\n");
    } else if (nx_parse(f1, strlen(f1), &n2, err, sizeof(err)) < 0) {
        snprintf(detail, sizeof(detail), "  reparse failed: %s\n", err);
    } else if (!(f2 = nx_format(n2, 0))) {
        snprintf(detail, sizeof(detail), "  reformat failed\n");
    } else if (strcmp(f1, f2) != 0) {
        diff_detail(f1, f2, detail, sizeof(detail));
    } else {
        ok = 1;
    }
    result(ok, what, name, detail);
    free(f1);
    free(f2);
    nx_free(n);
    nx_free(n2);
}

static void
check_parse_error(const char *what, const char *name, const char *xml,
                  size_t len, const char *expected)
{
    struct nx_network *n = NULL;
    char err[2048], detail[4096];
    int rc = nx_parse(xml, len, &n, err, sizeof(err));

    if (rc == 0) {
        snprintf(detail, sizeof(detail), "  expected failure: %s\n  but parse succeeded\n",
                 expected);
        result(0, what, name, detail);
        nx_free(n);
        return;
    }
    if (strcmp(err, expected) != 0) {
        snprintf(detail, sizeof(detail), "  expected: %s\n  got:      %s\n",
                 expected, err);
        result(0, what, name, detail);
        return;
    }
    result(1, what, name, NULL);
}

/* libvirt's messages for its DO_TEST_PARSE_ERROR inputs (networkxml2xmltest.c
 * checks only that parsing fails; the messages are network_conf.c's, as
 * virsh prints them without "error: ") */
static const struct {
    const char *file, *msg;
} parse_fails[] = {
    { "open-network-with-forward-dev.xml",
      "XML error: forward dev not allowed for network 'open' with forward mode='open'" },
    { "routed-network-no-dns-extra-elements.xml",
      "XML error: Extra data in disabled network 'local'" },
    { "hostdev-duplicate.xml",
      "XML error: PCI device '0000:03:00.3' can only be listed once in network hostdev" },
    { "passthrough-duplicate.xml",
      "XML error: interface 'eth3' can only be listed once in network passthrough-duplicate" },
};

/* The names networkxml2xmltest.c passes to MACRO("name"), as NAME.xml;
 * 0 when the file is not there (../shared's copy has no test program). */
static size_t
test_names(const char *root, const char *macro, char ***out)
{
    char path[4096], pat[64], **v = NULL;
    char *src, *p;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/tests/networkxml2xmltest.c", root);
    *out = NULL;
    if (!(src = read_file(path, NULL)))
        return 0;
    snprintf(pat, sizeof(pat), "%s(\"", macro);
    for (p = src; (p = strstr(p, pat));) {
        char **nv, *q;
        if (p > src && (p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'Z'))) {
            p++;
            continue; /* DO_TEST inside DO_TEST_FULL etc. */
        }
        p += strlen(pat);
        if (!(q = strchr(p, '"')) || !(nv = realloc(v, (n + 1) * sizeof(*v))))
            break;
        v = nv;
        if (asprintf(&v[n], "%.*s.xml", (int)(q - p), p) < 0)
            break;
        n++;
    }
    free(src);
    *out = v;
    return n;
}

static bool
in_list(char **v, size_t n, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return true;
    return false;
}

static void
xml2xml(const char *root)
{
    char indir[4096], outdir[4096], path[8192];
    char **names = NULL, **errs = NULL, **oks = NULL, **flagged = NULL;
    size_t n, i, k, nerrs, noks, nflagged;
    bool have_list;

    snprintf(indir, sizeof(indir), "%s/tests/networkxml2xmlin", root);
    snprintf(outdir, sizeof(outdir), "%s/tests/networkxml2xmlout", root);
    n = list_xml(indir, &names);
    if (n == 0)
        result(0, "xml2xml", indir, "  no input files found\n");
    nerrs = test_names(root, "DO_TEST_PARSE_ERROR", &errs);
    noks = test_names(root, "DO_TEST", &oks);
    nflagged = test_names(root, "DO_TEST_FLAGS", &flagged);
    have_list = noks > 0;
    if (have_list) {
        /* every input of the test program is here, and only those */
        for (i = 0; i < noks + nflagged + nerrs; i++) {
            const char *t = i < noks ? oks[i] : i < noks + nflagged ?
                            flagged[i - noks] : errs[i - noks - nflagged];
            result(in_list(names, n, t), "xml2xml-listed", t,
                   "  networkxml2xmltest.c lists it but there is no input file\n");
        }
        for (i = 0; i < n; i++)
            if (!in_list(oks, noks, names[i]) && !in_list(flagged, nflagged, names[i]) &&
                !in_list(errs, nerrs, names[i]))
                result(0, "xml2xml-listed", names[i],
                       "  input file not run by networkxml2xmltest.c\n");
    }

    for (i = 0; i < n; i++) {
        char *in, *out;
        size_t inlen;
        const char *failmsg = NULL;

        for (k = 0; k < sizeof(parse_fails) / sizeof(parse_fails[0]); k++)
            if (strcmp(names[i], parse_fails[k].file) == 0)
                failmsg = parse_fails[k].msg;
        if (have_list && in_list(errs, nerrs, names[i]) && !failmsg) {
            result(0, "xml2xml-parse-error", names[i],
                   "  DO_TEST_PARSE_ERROR without a known libvirt message\n");
            continue;
        }
        if (have_list && failmsg && !in_list(errs, nerrs, names[i]))
            failmsg = NULL; /* libvirt expects it to parse: the out file decides */
        snprintf(path, sizeof(path), "%s/%s", indir, names[i]);
        if (!(in = read_file(path, &inlen))) {
            result(0, "xml2xml", names[i], "  cannot read input\n");
            continue;
        }
        if (failmsg) {
            check_parse_error("xml2xml-parse-error", names[i], in, inlen, failmsg);
            free(in);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", outdir, names[i]);
        if (!(out = read_file(path, NULL))) {
            result(0, "xml2xml", names[i], "  no expected output and not a known failure\n");
            free(in);
            continue;
        }
        {
            struct nx_network *net = NULL;
            char err[1024], detail[2048];
            char *got = NULL;
            if (nx_parse(in, inlen, &net, err, sizeof(err)) < 0) {
                snprintf(detail, sizeof(detail), "  parse failed: %s\n", err);
                result(0, "xml2xml", names[i], detail);
            } else if (!(got = nx_format(net, 0))) {
                result(0, "xml2xml", names[i], "  format failed\n");
            } else if (strcmp(got, out) != 0) {
                diff_detail(out, got, detail, sizeof(detail));
                result(0, "xml2xml", names[i], detail);
            } else {
                result(1, "xml2xml", names[i], NULL);
            }
            free(got);
            nx_free(net);
        }
        check_idempotent("xml2xml-idempotent", names[i], in, inlen);
        free(in);
        free(out);
    }
    free_list(names, n);
    free_list(errs, nerrs);
    free_list(oks, noks);
    free_list(flagged, nflagged);
}

/* ---- captured virsh transcript ---- */

struct embedded {
    char name[256];
    char *text;
};

static void
transcript(const char *root)
{
    char path[4096];
    char *t, *p;
    struct embedded files[128];
    size_t nfiles = 0, i, checked = 0;

    snprintf(path, sizeof(path), "%s/captured/virsh-9.0.0-test-driver.txt", root);
    if (!(t = read_file(path, NULL))) {
        result(0, "transcript", path, "  cannot read transcript\n");
        return;
    }

    /* embedded input files: "===== input file NAME\n<content up to next =====>" */
    for (p = t; (p = strstr(p, "===== input file ")) && nfiles < 128;) {
        char *nl, *end;
        p += strlen("===== input file ");
        nl = strchr(p, '\n');
        if (!nl)
            break;
        snprintf(files[nfiles].name, sizeof(files[nfiles].name), "%.*s",
                 (int)(nl - p), p);
        end = strstr(nl + 1, "\n=====");
        if (!end)
            break;
        files[nfiles].text = strndup(nl + 1, (size_t)(end - nl));
        nfiles++;
        p = end + 1;
    }

    /* single-command net-define runs */
    for (p = t; (p = strstr(p, "===== $ virsh -c test:///default 'net-define "));) {
        char fname[256], *q, *body, *next, *rcline;
        struct embedded *ef = NULL;
        int rc;

        p += strlen("===== $ virsh -c test:///default 'net-define ");
        q = strchr(p, '\'');
        if (!q)
            break;
        snprintf(fname, sizeof(fname), "%.*s", (int)(q - p), p);
        body = strchr(q, '\n');
        if (!body)
            break;
        body++;
        next = strstr(body, "\n=====");
        if (!next)
            next = body + strlen(body);
        if (strchr(fname, ' ') || strchr(fname, ';'))
            continue; /* --validate or multi-command */
        for (i = 0; i < nfiles; i++)
            if (strcmp(files[i].name, fname) == 0)
                ef = &files[i];
        if (!ef)
            continue;
        rcline = NULL;
        for (q = body; q < next; q = strchr(q, '\n') + 1) {
            if (strncmp(q, "rc=", 3) == 0) {
                rcline = q;
                break;
            }
            if (!strchr(q, '\n'))
                break;
        }
        if (!rcline)
            continue;
        rc = atoi(rcline + 3);
        checked++;
        if (rc == 0) {
            struct nx_network *n = NULL;
            char err[1024], detail[1200];
            if (nx_parse(ef->text, strlen(ef->text), &n, err, sizeof(err)) < 0) {
                snprintf(detail, sizeof(detail), "  parse failed: %s\n", err);
                result(0, "virsh-define-ok", fname, detail);
            } else {
                result(1, "virsh-define-ok", fname, NULL);
            }
            nx_free(n);
        } else {
            /* "error: Failed to define network from F\nerror: MSG...\n\nrc=" */
            char *m = strstr(body, "\nerror: ");
            char *msg;
            size_t ml;
            if (!m || m > rcline)
                continue;
            m += strlen("\nerror: ");
            ml = (size_t)(rcline - m);
            while (ml && m[ml - 1] == '\n')
                ml--;
            msg = strndup(m, ml);
            if (strncmp(msg, "operation failed:", 17) == 0) {
                free(msg); /* object-list errors, not parse errors */
                checked--;
                continue;
            }
            check_parse_error("virsh-define-error", fname, ef->text,
                              strlen(ef->text), msg);
            free(msg);
        }
    }
    if (checked == 0)
        result(0, "transcript", path, "  no net-define cases found\n");
    for (i = 0; i < nfiles; i++)
        free(files[i].text);
    free(t);
}

static void
parse_ok_dir(const char *root, const char *const *dirs, size_t ndirs)
{
    char dir[4096], path[8192];
    size_t d, i, n;

    for (d = 0; d < ndirs; d++) {
        char **names = NULL;
        snprintf(dir, sizeof(dir), "%s/%s", root, dirs[d]);
        n = list_xml(dir, &names);
        for (i = 0; i < n; i++) {
            char *x;
            size_t len;
            char label[4096];
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
            snprintf(label, sizeof(label), "%s/%s", dirs[d], names[i]);
            if (!(x = read_file(path, &len))) {
                result(0, "parse-ok", label, "  cannot read\n");
                continue;
            }
            check_idempotent("parse-ok", label, x, len);
            free(x);
        }
        free_list(names, n);
    }
}

static void
others(const char *root)
{
    static const char *const dirs[] = {
        "tests/networkxml2confdata",
        "tests/networkxml2firewalldata",
    };
    char path[4096];

    parse_ok_dir(root, dirs, sizeof(dirs) / sizeof(dirs[0]));
    snprintf(path, sizeof(path), "%s/src/network/default.xml.in", root);
    {
        size_t len;
        char *x = read_file(path, &len);
        if (!x) {
            result(0, "parse-ok", "src/network/default.xml.in", "  cannot read\n");
        } else {
            check_idempotent("parse-ok", "src/network/default.xml.in", x, len);
            free(x);
        }
    }
}

int
main(int argc, char **argv)
{
    static const char *const upstream[] = {
        "upstream-397c0f4b/tests/networkxml2firewalldata",
    };

    if (argc == 3 && strcmp(argv[1], "--captured") == 0) {
        transcript(argv[2]);
        parse_ok_dir(argv[2], upstream, 1);
    } else if (argc == 2) {
        xml2xml(argv[1]);
        others(argv[1]);
    } else {
        fprintf(stderr, "usage: %s LIBVIRT-9.0.0-DIR\n"
                "       %s --captured SHARED-CONFORMANCE-DIR\n", argv[0], argv[0]);
        return 2;
    }
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail ? 1 : 0;
}
