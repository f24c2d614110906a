#!/bin/sh
# The ABI of the built library against a recorded release (abidw output under
# abi/): functions and variables may be added, nothing may be removed or
# changed. Usage: check_abi.sh BASELINE.abi LIBRARY INCLUDE_DIR
#
# abidiff's exit status is a bit mask (libabigail's abidiff manual):
# 1 error, 2 usage error, 4 the ABIs differ, 8 an incompatible change (a
# removed symbol, or a change to a function or type in use). With
# --no-added-syms, added functions and variables are not counted as a
# difference, so anything but 0 fails here, with abidiff's report.
# Exits 77 (skipped) without abidiff or when the library has no debug
# information (a build without -g), which abidiff needs to compare types.
baseline=$1 lib=$2 include=$3
if ! command -v abidiff >/dev/null 2>&1; then
    echo "skipped: abidiff not found (Debian: abigail-tools)"
    exit 77
fi
if ! readelf -S "$lib" 2>/dev/null | grep -q '\.debug_info'; then
    echo "skipped: $lib has no debug information (build with -g)"
    exit 77
fi
abidiff --hd2 "$include" --no-added-syms "$baseline" "$lib"
status=$?
if [ "$status" -eq 0 ]; then
    echo "ABI: only additions to $(basename "$baseline")"
    exit 0
fi
[ $((status & 8)) -ne 0 ] && echo "ABI: incompatible change (removed or changed symbol or type)"
[ $((status & 4)) -ne 0 ] && echo "ABI: the ABI changed"
[ $((status & 3)) -ne 0 ] && echo "abidiff failed (status $status)"
exit 1
