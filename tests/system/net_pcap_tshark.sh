#!/usr/bin/env bash
# net_pcap_tshark.sh BUILD SRC -- a network scenario with a pcap on each NIC
# (ping at 1500 and 9000 bytes, UDP flows over vRSS, forwarded TCP/UDP with
# partial checksums), then tshark reads the captures back with checksum
# validation on: no malformed frame and no bad checksum on hn0; on hn1 the
# one frame sent with a wrong checksum on purpose is found (the filter
# works).  Both transports: in process and through hvsim-hostd.  Skips (77)
# without tshark.
set -u
build=$1 src=$2
hvsim=$build/hvsim
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat >"$tmp/pcap.json" <<'J'
{
  "name": "net-pcap",
  "host": { "profile": "ws2012r2" },
  "guest": { "vcpus": 2 },
  "devices": { "nics": [ { "backend": "peer", "pcap": "hn0.pcap" },
                         { "backend": "peer", "peer_ip": "10.0.1.1", "pcap": "hn1.pcap" } ] },
  "steps": [
    { "boot": {} },
    { "expect_net": { "unit": 0, "link_up": true, "within_ms": 1000 } },
    { "net_ping": { "unit": 0, "count": 3 } },
    { "net_ping": { "unit": 0, "size": 1472, "count": 1 } },
    { "net_udp": { "unit": 0, "src": "10.0.0.10", "flows": 8 } },
    { "net_send": { "unit": 0, "proto": "tcp", "src": "192.168.1.5", "via": "10.0.0.1", "dst": "10.0.0.1", "dport": 40443, "size": 1000, "csum": "partial", "count": 3 } },
    { "net_send": { "unit": 0, "proto": "udp", "src": "192.168.1.5", "via": "10.0.0.1", "dst": "10.0.0.1", "dport": 40053, "size": 200, "csum": "partial", "count": 2 } },
    { "net_send": { "unit": 0, "proto": "tcp", "size": 0, "csum": "full" } },
    { "net_mtu": { "unit": 0, "mtu": 9000 } },
    { "expect_net": { "unit": 0, "mtu": 9000, "link_up": true, "within_ms": 1000 } },
    { "net_ping": { "unit": 0, "size": 8972, "count": 1 } },
    { "host_expect": { "cmd": "nic.stats", "nic": 0, "fields": { "wire_bad_csum": 0 } } },
    { "net_send": { "unit": 1, "proto": "udp", "src": "10.0.1.2", "dst": "10.0.1.1", "csum": "bad" } },
    { "host_expect": { "cmd": "nic.stats", "nic": 1, "fields": { "wire_bad_csum": 1 } } }
  ]
}
J
# Wireshark's checksum status: 0 = bad, 1 = good, 2 = unverified.
opts=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE)
bad='_ws.malformed || _ws.expert.severity == error || ip.checksum.status == 0 ||
     tcp.checksum.status == 0 || udp.checksum.status == 0 || icmp.checksum.status == 0'
count() { # count FILE FILTER
  tshark -n -r "$1" "${opts[@]}" -Y "$2" 2>"$tmp/tshark.err" | wc -l
}

check_mode() { # check_mode inproc|split: run the scenario there, read its captures
  local mode=$1 d=$tmp/$1 f n total out
  mkdir -p "$d" && cp "$tmp/pcap.json" "$d/"
  out=$(cd "$d" && timeout 120 "$hvsim" run --mode "$mode" pcap.json 2>&1 </dev/null) ||
    fail "$mode: scenario: $(echo "$out" | tail -5)"
  for f in hn0 hn1; do
    [ -s "$d/$f.pcap" ] || fail "$mode: $f.pcap missing or empty"
  done
  if [ -s "$d/hn0.pcap" ]; then
    total=$(count "$d/hn0.pcap" 'frame')
    # ARP x5 (both ways), ping 3+1+1 (both ways), 8 UDP echoes, 5 + 1 sent.
    [ "$total" -ge 40 ] || fail "$mode: hn0.pcap holds only $total frames"
    n=$(count "$d/hn0.pcap" "$bad")
    [ "$n" -eq 0 ] || { fail "$mode: hn0.pcap: $n malformed or bad-checksum frames:";
                        tshark -n -r "$d/hn0.pcap" "${opts[@]}" -Y "$bad" | head; }
    n=$(count "$d/hn0.pcap" 'tcp.checksum.status == 1 && ip.src == 192.168.1.5')
    [ "$n" -eq 3 ] || fail "$mode: hn0.pcap: $n forwarded TCP frames with a verified checksum (want 3)"
    n=$(count "$d/hn0.pcap" 'udp.checksum.status == 1 && ip.src == 192.168.1.5')
    [ "$n" -eq 2 ] || fail "$mode: hn0.pcap: $n forwarded UDP frames with a verified checksum (want 2)"
    n=$(count "$d/hn0.pcap" 'icmp && frame.len == 9014')
    [ "$n" -eq 2 ] || fail "$mode: hn0.pcap: $n jumbo ICMP frames (want request + reply)"
  fi
  if [ -s "$d/hn1.pcap" ]; then
    n=$(count "$d/hn1.pcap" 'udp.checksum.status == 0')
    [ "$n" -eq 1 ] || fail "$mode: hn1.pcap: tshark found $n bad UDP checksums (want the 1 sent on purpose)"
  fi
}
check_mode inproc
check_mode split
[ -s "$tmp/tshark.err" ] && grep -v "Running as user" "$tmp/tshark.err" | head -5
[ $fails -eq 0 ] && echo "net_pcap_tshark: all checks passed"
exit $((fails > 0))
