#!/bin/bash
# fetch-libvirt.sh: libvirt 9.0.0's network test data, from Debian's libvirt
# source package, into a cache outside the repo; prints the directory.
#
#   tests/conformance/fetch-libvirt.sh      -> /var/cache/vnetd-conformance/libvirt-9.0.0
#
# The directory keeps libvirt's own layout (paths inside libvirt_9.0.0.orig.tar.xz):
#   tests/networkxml2xmltest.c, networkxml2xmlin/ networkxml2xmlout/
#   networkxml2xmlupdatein/ networkxml2xmlupdateout/ networkxml2confdata/
#   networkxml2firewalldata/, src/conf/schemas/*.rng, src/network/default.xml.in
# Nothing of it is ever copied into the repo.
#
# How, without disturbing the machine's apt: a deb-src list derived from the
# machine's own deb entries (/etc/apt/sources.list.d/debian.sources, deb822,
# or /etc/apt/sources.list, one-line) is written into a private apt dir under
# the cache, and apt-get runs with Dir::Etc::SourceList, Dir::State::Lists and
# Dir::Cache pointing there (the machine's lists and sources are untouched).
# `apt-get source --download-only libvirt` fetches the .dsc and tarballs;
# the upstream tarball must be libvirt_9.0.0.orig.tar.xz with the sha256 the
# Debian 9.0.0-4+deb12u2 .dsc lists, and only the paths above are extracted
# from it with tar (none of Debian's patches touch them; dpkg-source -x would
# unpack and patch the whole 9 MB tree for a few hundred KB of test data).
#
# Env: VNETD_CONFORMANCE_CACHE (default /var/cache/vnetd-conformance).
# Exit 1 (message on stderr) when the data cannot be had; the caller falls
# back to ../shared/conformance/libvirt.
set -euo pipefail

CACHE=${VNETD_CONFORMANCE_CACHE:-/var/cache/vnetd-conformance}
DEST=$CACHE/libvirt-9.0.0
ORIG=libvirt_9.0.0.orig.tar.xz
SHA256=deca5cff1b7baac297bca9663907c61f71a47183371dc7ac019c107806d5435a
PATHS=(tests/networkxml2xmltest.c tests/networkxml2xmlin tests/networkxml2xmlout
       tests/networkxml2xmlupdatein tests/networkxml2xmlupdateout
       tests/networkxml2confdata tests/networkxml2firewalldata
       src/conf/schemas src/network/default.xml.in)

die() { echo "fetch-libvirt: $*" >&2; exit 1; }

if [ -f "$DEST/.complete" ]; then
	echo "$DEST"
	exit 0
fi
mkdir -p "$CACHE" || die "cannot create $CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$DEST/.complete" ]; then # another run fetched it meanwhile
	echo "$DEST"
	exit 0
fi

W=$CACHE/apt
rm -rf "$W" "$DEST.tmp"
mkdir -p "$W/lists/partial" "$W/cache/archives/partial" "$W/parts.d" "$W/dl"
trap 'rm -rf "$W" "$DEST.tmp"' EXIT

# deb-src lines from the machine's own deb entries (same mirrors, suites,
# components and keys)
{
	if [ -r /etc/apt/sources.list.d/debian.sources ]; then
		awk '
		function flush(   n, m, i, j, opt) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "" && suites != "") {
				opt = signed ~ /^\// ? "[signed-by=" signed "] " : ""
				n = split(uris, u, " "); m = split(suites, s, " ")
				for (i = 1; i <= n; i++)
					for (j = 1; j <= m; j++)
						print "deb-src " opt u[i] " " s[j] " " comps
			}
			types = uris = suites = comps = signed = enabled = ""
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }  # continuation lines (e.g. an inline key)
		{
			k = tolower($1); sub(/:$/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
			if (k == "types") types = v; else if (k == "uris") uris = v
			else if (k == "suites") suites = v; else if (k == "components") comps = v
			else if (k == "signed-by") signed = v; else if (k == "enabled") enabled = tolower(v)
		}
		END { flush() }' /etc/apt/sources.list.d/debian.sources
	fi
	if [ -r /etc/apt/sources.list ]; then
		sed -n 's/^[ \t]*deb[ \t]\+/deb-src /p' /etc/apt/sources.list
	fi
} | sort -u >"$W/sources.list"
[ -s "$W/sources.list" ] || die "no deb entries in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"

APT=(-o Dir::Etc::SourceList="$W/sources.list" -o Dir::Etc::SourceParts="$W/parts.d"
     -o Dir::State::Lists="$W/lists" -o Dir::Cache="$W/cache"
     -o APT::Sandbox::User=root -qq)
apt-get "${APT[@]}" update >"$W/update.log" 2>&1 ||
	die "apt-get update (deb-src) failed: $(tail -3 "$W/update.log")"
(cd "$W/dl" && apt-get "${APT[@]}" source --download-only libvirt) >"$W/source.log" 2>&1 ||
	die "apt-get source --download-only libvirt failed: $(tail -3 "$W/source.log")"
[ -f "$W/dl/$ORIG" ] || die "the libvirt source package has no $ORIG: $(ls "$W/dl")"
echo "$SHA256  $W/dl/$ORIG" | sha256sum -c --quiet - >/dev/null 2>&1 ||
	die "$ORIG: sha256 differs from libvirt 9.0.0's"

mkdir -p "$DEST.tmp"
tar -xJf "$W/dl/$ORIG" -C "$DEST.tmp" --strip-components=1 \
	"${PATHS[@]/#/libvirt-9.0.0/}" || die "cannot extract the test data from $ORIG"
touch "$DEST.tmp/.complete"
rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
echo "$DEST"
