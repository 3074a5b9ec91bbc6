#!/usr/bin/env bash
# cli_errors.sh BUILD SRC -- hvsim's exit statuses and messages for bad
# input (RELIABILITY.md 5.11, 5.12): usage errors and invalid scenarios exit
# 2 with a message naming what is wrong; nothing runs.
set -u
build=$1 src=$2
hvsim=$build/hvsim
fails=0 n=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # check EXPECTED_STATUS NEEDLE -- ARGS...
  local want=$1 needle=$2; shift 3
  n=$((n + 1))
  out=$(timeout 20 "$hvsim" "$@" 2>&1 </dev/null); got=$?
  if [ "$got" != "$want" ] || ! grep -qF -- "$needle" <<<"$out"; then
    echo "FAIL: hvsim $* -> status $got (want $want), output:"; echo "$out" | head -5
    fails=$((fails + 1))
  fi
}

check 2 "no command given" --
check 2 "unknown command" -- frobnicate
check 2 "unknown option" -- run --bogus scenarios/boot.json
check 2 "needs a value" -- run "$src/scenarios/boot.json" --mode
check 2 "unknown mode" -- run --mode sideways "$src/scenarios/boot.json"
check 2 "--mode given twice" -- run --mode inproc --mode split "$src/scenarios/boot.json"
check 2 "decimal number" -- run --seed 99999999999999999999 "$src/scenarios/boot.json"
check 2 "decimal number" -- run --seed -1 "$src/scenarios/boot.json"
check 2 "decimal number" -- run --seed 0x "$src/scenarios/boot.json"
check 2 "decimal number" -- run --seed 1e3 "$src/scenarios/boot.json"
check 2 "longer than 107" -- run --mode split --socket "/tmp/$(printf 'x%.0s' $(seq 1 120))" "$src/scenarios/boot.json"
check 2 "only makes sense" -- run --socket /tmp/x.sock "$src/scenarios/boot.json"
check 2 "exclude each other" -- run -q -v "$src/scenarios/boot.json"
check 2 "No such file" -- run "$tmp/missing.json"
check 2 "no scenario given" -- run

printf '{\n  "guest": { "vcpus": 2,\n    "cpus": 1 },\n  "steps": [ { "boot": {} } ]\n}\n' >"$tmp/bad.json"
check 2 "bad.json:3: \$.guest.cpus: unknown key" -- check "$tmp/bad.json"
check 2 "bad.json:3: \$.guest.cpus: unknown key" -- run "$tmp/bad.json"
printf '{"steps": [ {"boot": {}} ' >"$tmp/trunc.json"
check 2 "trunc.json:1:" -- run "$tmp/trunc.json"
mkfifo "$tmp/fifo.json"
check 2 "not a regular file" -- check "$tmp/fifo.json"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$tmp/big.json"
check 2 "at most" -- check "$tmp/big.json"
# RELIABILITY 106: a scenario opens images only under its own directory
# (or --image-root), only regular files of whole sectors, and writes only
# below the working directory.
mkdir -p "$tmp/scn" "$tmp/other"
truncate -s 1M "$tmp/scn/in.img" "$tmp/other/out.img"
truncate -s 1000 "$tmp/scn/odd.img"
ln -s "$tmp/other/out.img" "$tmp/scn/link.img"
mkfifo "$tmp/scn/fifo.img"
lun() { printf '{"devices": {"scsi": {"luns": [{"lun": 0, "image": "%s"}]}}, "steps": [{"boot": {}}]}\n' "$1" >"$tmp/scn/$2.json"; }
host() { printf '{"steps": [{"boot": {}}, {"host": %s}]}\n' "$1" >"$tmp/scn/$2.json"; }
lun in.img ok-in; lun ../other/out.img up; lun "$tmp/other/out.img" abs; lun link.img link
lun fifo.img fifo; lun /dev/zero zero; lun odd.img odd; lun . dir
check 0 "ok   $tmp/scn/ok-in.json" -- check "$tmp/scn/ok-in.json"
check 2 "outside $tmp/scn" -- check "$tmp/scn/up.json"
check 2 "\$.devices.scsi.luns[0].image: image $tmp/other/out.img is" -- check "$tmp/scn/abs.json"
check 2 "outside" -- run "$tmp/scn/link.json"
check 0 "ok   $tmp/scn/link.json" -- check --image-root "$tmp" "$tmp/scn/link.json"
check 2 "not a regular file" -- check "$tmp/scn/fifo.json"
check 2 "outside" -- check "$tmp/scn/zero.json"
check 2 "not a regular file" -- check --image-root / "$tmp/scn/zero.json"
check 2 "not a multiple of the 512-byte sector" -- check "$tmp/scn/odd.json"
check 2 "not a regular file" -- check "$tmp/scn/dir.json"
check 2 "needs a value" -- check --image-root
host '{"cmd": "scsi.add", "lun": 1, "image": "/etc/passwd"}' hostimg
check 2 "\$.steps[1].host.image: image /etc/passwd is" -- check "$tmp/scn/hostimg.json"
host '{"cmd": "capture.start", "dir": "/tmp"}' capabs
check 2 "must be relative" -- check "$tmp/scn/capabs.json"
host '{"cmd": "nic.add", "pcap": "a/../../x.pcap"}' pcapup
check 2 "must not climb out" -- check "$tmp/scn/pcapup.json"
printf '{"devices": {"nics": [{"pcap": "/tmp/x.pcap"}]}, "steps": [{"boot": {}}]}\n' >"$tmp/scn/nicpcap.json"
check 2 "\$.devices.nics[0].pcap" -- check "$tmp/scn/nicpcap.json"
check 2 "--image-root wants a directory" -- run --image-root "" "$tmp/scn/ok-in.json"
check 0 "PASS" -- run "$tmp/scn/ok-in.json"
check 0 "ok   $src/scenarios/boot.json" -- check "$src/scenarios/boot.json"
check 0 "ws2008r2" -- list
check 0 "synthetic SCSI controller" -- list
check 0 "usage: hvsim run" -- --help

echo "$((n - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
