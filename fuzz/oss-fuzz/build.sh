#!/bin/bash -eu
# fuzz/oss-fuzz/build.sh -- build every fuzz target the OSS-Fuzz way: the
# compiler and its flags from $CC/$CFLAGS (sanitizer and coverage flags
# included), the engine from $LIB_FUZZING_ENGINE, results in $OUT:
# fuzz_<name>, fuzz_<name>.dict and fuzz_<name>_seed_corpus.zip.
# Works for OSS-Fuzz and ClusterFuzzLite (.clusterfuzzlite/build.sh calls
# it) and by hand, e.g. for AFL++:
#   CC=afl-clang-fast CFLAGS="-g -O1 -fsanitize=address,undefined" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/afl-out fuzz/oss-fuzz/build.sh
# The repo: two levels up from this script, or $SRC/hvsim when OSS-Fuzz
# runs a copy of it as $SRC/build.sh.
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/../../fuzz/oss-fuzz/build.sh" ]; then
  src=$(cd "$here/../.." && pwd)
else
  src=$SRC/hvsim
fi
: "${CC:=clang}" "${CFLAGS:=-g -O1 -fsanitize=address,undefined,fuzzer-no-link}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}" "${OUT:=$src/build/oss-fuzz-out}"
build=${WORK:-$src/build}/oss-fuzz-build
mkdir -p "$OUT"

# Sanitizer flags come in CFLAGS, so HVSIM_SANITIZE/HVSIM_FUZZ stay OFF; the
# link needs them too (CMAKE_EXE_LINKER_FLAGS).  The runner image has none
# of our shared libraries (libevent, jansson, libpcap, liburing): they are
# copied to $OUT/lib and found through an $ORIGIN rpath.
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$CFLAGS" \
  -DCMAKE_BUILD_RPATH='$ORIGIN/lib' \
  -DHVSIM_TESTS=OFF -DHVSIM_FUZZ=OFF -DHVSIM_SANITIZE=OFF \
  -DHVSIM_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
targets=()
for f in "$src"/fuzz/targets/fuzz_*.c; do
  t=$(basename "$f" .c)
  targets+=("$t")
done
cmake --build "$build" --target "${targets[@]}"

for t in "${targets[@]}"; do
  name=${t#fuzz_}
  cp "$build/fuzz/$t" "$OUT/"
  [ -f "$src/fuzz/dict/$name.dict" ] && cp "$src/fuzz/dict/$name.dict" "$OUT/$t.dict"
  if [ -d "$src/fuzz/corpora/$name" ]; then
    rm -f "$OUT/${t}_seed_corpus.zip"
    (cd "$src/fuzz/corpora/$name" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  fi
done
# Shared libraries outside glibc and the compiler runtime.
mkdir -p "$OUT/lib"
for t in "${targets[@]}"; do
  ldd "$OUT/$t" | awk '$3 ~ /^\// { print $3 }'
done | sort -u | while read -r lib; do
  case $(basename "$lib") in
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libgcc_s.so*|libstdc++.so*) ;;
    *) cp -L "$lib" "$OUT/lib/" ;;
  esac
done
echo "built ${#targets[@]} fuzz targets into $OUT"
