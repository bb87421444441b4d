#!/bin/sh
# Builds the BPF object (bpf/.output/ssl.bpf.o) and the addon (build/Release/oisp_ebpf.node).
# Run by `turbo run build` (./dev setup), never by an install hook: the toolchain comes first.
set -e
cd "$(dirname "$0")/.."
make -s -C ../../bpf
# node-gyp compiles against the headers of the node that will load the addon; never download them.
nodedir=${OISP_NODEDIR:-$(dirname "$(dirname "$(command -v node)")")}
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "receiver-ebpf: no node headers under $nodedir/include/node; set OISP_NODEDIR to a node install with include/node" >&2
  exit 1
fi
exec node-gyp rebuild --silent --nodedir="$nodedir"
