#!/bin/bash
# Forward modes, a reachability matrix both ways (vnetd inside a namespace
# standing for the host, lib_l3.sh), as libvirt defines them:
#   nat       guest -> internet yes (from the uplink address); internet -> guest no
#   route     guest -> internet yes, untranslated; internet -> guest yes
#   open      guest -> internet yes, untranslated; internet -> guest yes
#   isolated  guest -> internet no; internet -> guest no; the gateway answers
# The internet namespace routes the route/open/isolated subnets to the
# uplink address (as a LAN router would); each probe is ICMP echo and a TCP
# connection (the HTTP servers log the peer address).
. "$(dirname "$0")/lib_l3.sh"

vnetd_l3_start --no-default-network
declare -A SUB=([nat]=192.168.170 [route]=192.168.171 [open]=192.168.172 [iso]=192.168.173)
for m in nat route open iso; do
	fwd="<forward mode='$m'/>"
	[ $m = iso ] && fwd=
	l3_net "m$m-he" "<network><name>m$m-he</name>$fwd<bridge name='vm$m$$'/>\
<ip address='${SUB[$m]}.1' netmask='255.255.255.0'/></network>"
	ip -n "$INS" route add "${SUB[$m]}.0/24" via "$UPLINK_IP"
done
i=0
for m in nat route open iso; do
	i=$((i + 1))
	l3_guest $m "52:54:00:17:00:0$i" "m$m-he" "${SUB[$m]}.10/24" "${SUB[$m]}.1"
done
mkdir -p "$T/www"
echo hello >"$T/www/x"
l3_http_server "$INS" "$REMOTE" 8000 "$T/www"
for m in nat route open iso; do l3_http_server "$(gns $m)" 0.0.0.0 80 "$T/www"; done

reach() { # RUNNER... -> "yes" when ping and HTTP both work, "no" when neither
	local dst=${*: -2:1} port=${*: -1} p=no h=no
	local run=("${@:1:$#-2}")
	"${run[@]}" busybox ping -c 1 -W 1 "$dst" >/dev/null 2>&1 ||
		"${run[@]}" busybox ping -c 1 -W 1 "$dst" >/dev/null 2>&1 && p=yes
	"${run[@]}" curl -s -o /dev/null --max-time 2 "http://$dst:$port/x" && h=yes
	[ $p = $h ] || { echo "mixed(ping=$p,http=$h)"; return; }
	echo $p
}

declare -A OUT=([nat]=yes [route]=yes [open]=yes [iso]=no)
declare -A IN=([nat]=no [route]=yes [open]=yes [iso]=no)
matrix=""
for m in nat route open iso; do
	o=$(reach ing $m "$REMOTE" 8000)
	n=$(reach ini "${SUB[$m]}.10" 80)
	matrix+="   $m: guest->internet $o, internet->guest $n"$'\n'
	assert_eq "$m: guest -> internet" "${OUT[$m]}" "$o"
	assert_eq "$m: internet -> guest" "${IN[$m]}" "$n"
	ing $m busybox ping -c 1 -W 2 "${SUB[$m]}.1" >/dev/null || fail "$m: the gateway does not answer ping"
done
echo -n "$matrix"
# who the internet saw: nat from the uplink address, route/open the guests'
log=$T/http.$INS.8000.log
grep -q "^$UPLINK_IP " "$log" || fail "nat: the server saw no request from $UPLINK_IP"
for m in route open; do
	grep -q "^${SUB[$m]}.10 " "$log" || fail "$m: the server did not see the guest's own address ${SUB[$m]}.10"
done
grep -q "^${SUB[nat]}.10 " "$log" && fail "nat: the guest's address reached the internet"
grep -q "^${SUB[iso]}.10 " "$log" && fail "isolated: the guest reached the internet"
ok "reachability matrix as libvirt's forward modes"

echo "PASS test_fwd_modes"
