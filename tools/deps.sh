#!/bin/sh
# Installs the Debian packages gfl needs, once; idempotent.
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu
PKGS="gcc make pkg-config libmpfr-dev libgmp-dev libopenblas-dev libcunit1-dev libjansson-dev \
libgsl-dev lcov gnuplot-nox xsltproc python3-numpy python3-mpmath valgrind time clang libclang-rt-dev \
slurm-wlm munge parallel python3-torch python3-sklearn liblapacke-dev libcsv-dev zlib1g-dev"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
    exit 0
fi
echo "deps: missing Debian packages:$missing" >&2
echo "deps: run: sudo apt-get install -y$missing" >&2
exit 1
