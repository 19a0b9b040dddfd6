#!/bin/sh
# Runs a command inside the private network and mount namespaces that
# `unshare --net --mount --fork` made: whatever the tests leave behind
# (links, nftables tables, netns pins, mounts) dies with the namespace.
set -e
mount --make-rprivate /
ip link set lo up
mkdir -p /run/netns
mount -t tmpfs tmpfs /run/netns
export MINI_COMPOSE_HERMETIC=1
exec "$@"
