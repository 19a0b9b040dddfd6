#!/usr/bin/env bash
# bench/ab.sh — A/B of two builds of mini-compose on the same N-service
# stack, interleaved (A, B, A, B...) so that a machine whose speed drifts
# during the run drifts for both alike. Used for the "What we changed"
# figures of BENCHMARKS.md.
#
#   bench/ab.sh [-n RUNS] [-z SERVICES] [-a "ENV"] [-b "ENV"] DIR_A DIR_B
#     DIR_A, DIR_B  directories holding the binaries of `make build` (mini-compose,
#                   mini-compose-full since session 4, mini-compose-daemon)
#                   (e.g. `make build BIN=/tmp/a/mini-compose` at two commits)
#     -a, -b        environment for A's / B's commands (e.g. "GOGC=50")
#
# Prints, per side, the median/min/max wall time of `up -d` and the daemon's
# own "start" phase (from daemon.log). Runs as root inside
# `unshare --net --mount` (internal/testutil/hermetic.sh).
set -euo pipefail
{
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
if [ "${1:-}" = "__inner" ]; then
  shift; runs=$1 n=$2 ea=$3 eb=$4 da=$5 db=$6 work=$7
  ref=bench/busybox:latest
  {
    echo "services:"
    for i in $(seq 0 $((n - 1))); do
      printf '  s%02d:\n    image: %s\n    command: ["/bin/busybox", "httpd", "-f", "-p", "80"]\n    stop_signal: SIGKILL\n    ports: ["127.0.0.1:%d:80"]\n' "$i" "$ref" $((18000 + i))
    done
  } >"$work/compose.yaml"
  for x in A B; do
    d=$da e=$ea; [ $x = B ] && d=$db e=$eb
    env $e "$d/mini-compose" --root "$work/root$x" image load -i "$work/busybox.tar" >/dev/null
  done
  for i in $(seq 0 "$runs"); do # run 0 warms both daemons up, untimed
    for x in A B; do
      d=$da e=$ea; [ $x = B ] && d=$db e=$eb
      mc="env $e $d/mini-compose --root $work/root$x -f $work/compose.yaml -p ab$i"
      t0=$(date +%s%N); $mc up -d >/dev/null 2>&1; t1=$(date +%s%N)
      $mc down >/dev/null 2>&1
      [ "$i" -gt 0 ] && echo "$x $(((t1 - t0) / 1000000))" >>"$work/up.txt"
    done
  done
  for x in A B; do
    ups=$(awk -v x=$x '$1 == x {print $2}' "$work/up.txt" | sort -n)
    starts=$(grep -h "up ab[1-9]" "$work/root$x/daemon.log" | sed -n 's/.*start \([0-9.]*\)\(m\?s\).*/\1 \2/p' |
      awk '{v = $1; if ($2 == "s") v *= 1000; print v}' | sort -n)
    stat() { awk '{a[NR] = $1} END {printf "median %.0f ms (min %.0f, max %.0f, n %d)", a[int((NR + 1) / 2)], a[1], a[NR], NR}'; }
    echo "$x: up -d $(echo "$ups" | stat); start phase $(echo "$starts" | stat)"
  done
  exit 0
fi

runs=8 n=20 ea="AB=A" eb="AB=B"
while getopts "n:z:a:b:" o; do
  case $o in
    n) runs=$OPTARG ;; z) n=$OPTARG ;; a) ea=$OPTARG ;; b) eb=$OPTARG ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '2,16p' "$0"; exit 2; }
da=$(cd "$1" && pwd) db=$(cd "$2" && pwd)
[ "$(id -u)" = 0 ] || { echo "bench/ab.sh: needs root"; exit 1; }
work=$(mktemp -d /tmp/mc-ab.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$repo"
go run ./bench/stackbench image -o "$work/busybox.tar" -t bench/busybox:latest >/dev/null
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); A=$da ($ea), B=$db ($eb), $runs runs of $n services"
unshare --net --mount --fork -- "$repo/internal/testutil/hermetic.sh" "$0" __inner "$runs" "$n" "$ea" "$eb" "$da" "$db" "$work"
}
