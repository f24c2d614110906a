#!/bin/sh
# Install libnn into a temporary staging prefix, then build a C and a C++
# program with nothing but `pkg-config --cflags --libs libnn`, and run them.
set -eu
build=$1
src=$2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >"$stage/install.log" 2>&1 ||
    { cat "$stage/install.log"; exit 1; }
pcdir=$(dirname "$(find "$stage" -name libnn.pc | head -n 1)")
[ -n "$pcdir" ] || { echo "libnn.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$pcdir"
# The .pc file names the configured prefix; point it at the staging copy.
prefix=$(pkg-config --variable=prefix libnn)
flags=$(pkg-config --define-variable=prefix="$stage$prefix" --cflags --libs libnn)
echo "pkg-config: $flags"
libdir=$(pkg-config --define-variable=prefix="$stage$prefix" --variable=libdir libnn)

${CC:-cc} -std=c99 -Wall -Werror -o "$stage/consumer_c" "$src/consumer.c" $flags
${CXX:-c++} -std=c++11 -Wall -Werror -o "$stage/consumer_cxx" "$src/consumer.cpp" $flags
LD_LIBRARY_PATH="$libdir" "$stage/consumer_c"
LD_LIBRARY_PATH="$libdir" "$stage/consumer_cxx"
