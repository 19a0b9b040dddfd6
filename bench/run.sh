#!/usr/bin/env bash
# bench/run.sh — mini-compose's benchmark harness (`make bench`).
#
#   bench/run.sh [-r RUNS] [-z SIZES] [-s SECTIONS] [-o FILE]
#     -r RUNS      timed runs per figure (default 5, at least 5 for the report)
#     -z SIZES     N-service stacks (default 1,5,20,50)
#     -s SECTIONS  comma list of: mini (up/down + daemon RSS), latency
#                  (start latency vs raw libcontainer), tput (published port vs
#                  direct veth), docker (Docker Compose peer), podman
#                  (podman-compose peer), profile (in-process engine Up/Down
#                  of 20 services under pprof + trace; keeps the profiles in
#                  bench/results/), dns (embedded DNS qps/latency);
#                  default mini,latency,tput,dns,docker
#     -o FILE      report path (default bench/results/<date>.md)
#
# Everything of mini-compose runs inside `unshare --net --mount --fork`
# (internal/testutil/hermetic.sh) with a temporary state root, so bridges,
# nftables tables and mounts die with the namespace. The Docker peer runs
# afterwards, on the host, started and fully removed by
# ../shared/tools/docker-peer; it never runs at the same time as ours.
set -euo pipefail
# The whole script is one compound command, so that bash parses all of it
# before running: editing this file during a run cannot corrupt the run.
{
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")

if [ "${1:-}" = "__inner" ]; then
  # Inside the private namespaces: $2 = work dir, $3 = sections, $4 = runs, $5 = sizes.
  work=$2 sections=$3 runs=$4 sizes=$5
  export MINI_COMPOSE_ROOT=$work/root
  mc="$work/bin/mini-compose --root $MINI_COMPOSE_ROOT"
  $mc image load -i "$work/busybox.tar" >/dev/null
  case ",$sections," in *,mini,*)
    "$work/bin/stackbench" updown -tool mini -bin "$work/bin/mini-compose" -root "$MINI_COMPOSE_ROOT" \
      -runs "$runs" -sizes "$sizes" -o "$work/mini.json" ;;
  esac
  case ",$sections," in *,latency,*)
    "$work/bin/floor" -image "$work/busybox.tar" -runs $((runs * 2)) -mini "$work/bin/mini-compose" >"$work/latency.md" ;;
  esac
  case ",$sections," in *,tput,*)
    f=$work/tput.yaml
    cat >"$f" <<'EOF'
services:
  sink:
    image: bench/busybox:latest
    command: ["/tput", "sink", "-l", ":9000"]
    ports: ["127.0.0.1:19500:9000"]
    networks:
      tnet:
        ipv4_address: 10.211.0.10
networks:
  tnet:
    ipam:
      config:
        - subnet: 10.211.0.0/24
EOF
    $mc -f "$f" -p tput up -d >/dev/null
    for _ in $(seq 50); do "$work/bin/tput" send -addr 127.0.0.1:19500 -d 10ms >/dev/null 2>&1 && break; sleep 0.1; done
    # The sink is a process of its own on all three paths. Left unpinned:
    # pinning sender and sinks to CPUs made the runs swing far more here
    # (630-1510 MB/s), the vCPUs being scheduled by the host.
    : >"$work/tput.txt"
    for i in $(seq "$runs"); do
      echo "veth $("$work/bin/tput" veth -d 5s)" >>"$work/tput.txt"
      echo "bridge $("$work/bin/tput" send -addr 10.211.0.10:9000 -d 5s)" >>"$work/tput.txt"
      echo "published $("$work/bin/tput" send -addr 127.0.0.1:19500 -d 5s)" >>"$work/tput.txt"
    done
    $mc -f "$f" -p tput down >/dev/null ;;
  esac
  case ",$sections," in *,profile,*)
    (cd "$work" && ./upprof -image busybox.tar -n 20 -runs "$runs" -cpu cpu.pprof -trace trace.out >profile.txt) ;;
  esac
  exit 0
fi

runs=5 sizes=1,5,20,50 sections=mini,latency,tput,dns,docker out=""
while getopts "r:z:s:o:" o; do
  case $o in
    r) runs=$OPTARG ;; z) sizes=$OPTARG ;; s) sections=$OPTARG ;; o) out=$OPTARG ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: needs root (containers, namespaces)"; exit 1; }
has() { case ",$sections," in *,"$1",*) return 0 ;; esac; return 1; }
mkdir -p "$here/results"
out=${out:-$here/results/$(date +%Y-%m-%d-%H%M).md}
work=$(mktemp -d /tmp/mc-bench.XXXXXX)
cleanup() {
  if [ -f /run/docker-peer/pid ]; then "$repo/../shared/tools/docker-peer" stop >&2 || true; fi
  if [ -f /run/podman-peer/started ]; then "$here/podman-peer" stop >&2 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Build everything before entering the namespace (no registry inside).
cd "$repo"
export CGO_ENABLED=1
# Binaries live apart from the state root: libcontainer seals the daemon's
# binary with an overlayfs over its directory, which the kernel refuses when
# the state dir is inside it (ELOOP), and then copies the binary for every
# container start instead (measured: 20 starts 0.93 s -> 1.13 s).
mkdir -p "$work/bin"
make --no-print-directory build BIN="$work/bin/mini-compose" >&2 # static, as shipped
go build -o "$work/bin/dnsload" ./bench/dnsload
go build -o "$work/bin/stackbench" ./bench/stackbench
# The floor and the profiler start containers themselves: linked like the
# daemon (static, with musl when the Makefile finds it), or the floor would
# carry a start-up cost that our daemon does not. The floor also leaves image import to the CLI
# (-mini), so that it links only runtime/ as the daemon does; the profiler
# links it (its inits show up in the profile's container inits).
static=(-tags 'netgo osusergo' -ldflags '-extldflags -static')
cgo_env=$(make --no-print-directory -s cgo-env)
eval "env $cgo_env go build \"\${static[@]}\" -o \"\$work/bin/floor\" ./bench/floor"
CGO_ENABLED=0 go build -o "$work/bin/tput" ./bench/tput
if has profile; then eval "env $cgo_env go build \"\${static[@]}\" -o \"\$work/bin/upprof\" ./bench/upprof"; fi
"$work/bin/stackbench" image -o "$work/busybox.tar" -t bench/busybox:latest -add "$work/bin/tput:/tput"

load() { cut -d' ' -f1-3 /proc/loadavg; }
# How fast this VM is at the moment: its speed drifts by +-10 % within
# minutes (measured), and process creation is what container starts pay.
spawn() {
  local t0 t1; t0=$(date +%s%N)
  for _ in $(seq 200); do /bin/true; done
  t1=$(date +%s%N); echo "$(((t1 - t0) / 200000)) µs per fork+exec of /bin/true"
}
{
  echo "# mini-compose benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (+ uncommitted changes)'), $(uname -r), $(nproc) cores, $(go version | cut -d' ' -f3)"
  echo "- load average at start: $(load); machine speed: $(spawn)"
  echo "- command: bench/run.sh -r $runs -z $sizes -s $sections"
  echo
} >"$work/report.md"

inner_sections=$(echo "$sections" | tr ',' '\n' | grep -E '^(mini|latency|tput|profile)$' | paste -sd, || true)
if [ -n "$inner_sections" ]; then
  unshare --net --mount --fork -- "$repo/internal/testutil/hermetic.sh" "$0" __inner "$work" "$inner_sections" "$runs" "$sizes"
fi
echo "- load average after mini-compose: $(load); machine speed: $(spawn)" >>"$work/report.md"

peers=()
if has docker; then
  if "$repo/../shared/tools/docker-peer" start >&2; then
    dk=docker; [ -x /usr/bin/docker ] && dk=/usr/bin/docker # Debian's client, matching dockerd
    if command -v docker-compose >/dev/null; then dc=docker-compose; else dc="$dk compose"; fi
    $dk load -i "$work/busybox.tar" >/dev/null
    echo "- Docker peer: $($dk version -f 'Engine {{.Server.Version}}'), $($dc version --short 2>/dev/null | head -1 || echo "$dc")" >>"$work/report.md"
    "$work/bin/stackbench" updown -tool docker -compose "$dc" -docker "$dk" -runs "$runs" -sizes "$sizes" -o "$work/docker.json" &&
      peers+=("$work/docker.json") || echo "- Docker peer FAILED (see stderr); no figure reported" >>"$work/report.md"
    "$repo/../shared/tools/docker-peer" stop >&2
    echo "- load average after Docker: $(load)" >>"$work/report.md"
  else
    echo "- Docker peer not available (docker-peer start failed): skipped" >>"$work/report.md"
  fi
fi
if has podman; then
  # podman-compose 1.0.3 (Debian 12) cannot run the realistic stack: it
  # reads service networks in map form (aliases) as names like
  # "frontend={...}" and stops with "missing networks"; its row stays empty.
  if "$here/podman-peer" start >&2; then
    eval "$("$here/podman-peer" env)"
    podman load -i "$work/busybox.tar" >/dev/null
    echo "- podman peer: $(podman --version), podman-compose $(dpkg-query -W -f='${Version}' podman-compose 2>/dev/null || echo unknown) (realistic stack not supported by it)" >>"$work/report.md"
    "$work/bin/stackbench" updown -tool podman -compose podman-compose -docker podman -realistic=false \
      -runs "$runs" -sizes "$sizes" -o "$work/podman.json" &&
      peers+=("$work/podman.json") || echo "- podman-compose peer FAILED (see stderr); no figure reported" >>"$work/report.md"
    "$here/podman-peer" stop >&2
    echo "- load average after podman: $(load)" >>"$work/report.md"
  else
    echo "- podman peer not available (podman-peer start failed): skipped" >>"$work/report.md"
  fi
fi

{
  echo
  if [ -f "$work/mini.json" ]; then
    echo "## up / down"
    echo
    "$work/bin/stackbench" report "$work/mini.json" "${peers[@]}"
  fi
  if [ -f "$work/latency.md" ]; then
    echo "## Container start latency (create → process running)"
    echo
    echo "| path | runs | start call returned | process running | kill + remove / down |"
    echo "|---|---|---|---|---|"
    cat "$work/latency.md"
    echo
  fi
  if [ -f "$work/tput.txt" ]; then
    echo "## Throughput (TCP, 5 s per run, MB/s)"
    echo
    awk '{v[$1]=v[$1] " " $2} END {for (k in v) print k v[k]}' "$work/tput.txt" | sort | while read -r k vals; do
      med=$(echo "$vals" | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
      echo "- $k: median $med MB/s (runs:$vals)"
      echo "$k $med" >>"$work/tput.med"
    done
    awk '{m[$1]=$2} END {if (m["bridge"] > 0) printf "- published / direct (bridge+veth, no NAT): %.1f%%\n", 100*m["published"]/m["bridge"]; if (m["veth"] > 0) printf "- published / bare veth pair: %.1f%%\n", 100*m["published"]/m["veth"]}' "$work/tput.med"
    echo
  fi
  if [ -f "$work/profile.txt" ]; then
    echo "## Profile (in-process engine, 20 services)"
    echo
    echo '```'
    cat "$work/profile.txt"
    go tool trace -pprof=syscall "$work/trace.out" >"$work/sys.pprof" 2>/dev/null || true
    echo "-- syscall wait under Engine.Up (go tool trace -pprof=syscall):"
    go tool pprof -top -cum -nodecount=25 -focus='Engine..Up' "$work/bin/upprof" "$work/sys.pprof" 2>/dev/null |
      grep -E 'Total|mini-compose|libcontainer\.' || true
    echo '```'
    echo
    cp "$work/cpu.pprof" "${out%.md}-cpu.prof"; cp "$work/sys.pprof" "${out%.md}-syscall.prof"
    echo "Profiles: ${out%.md}-cpu.prof, ${out%.md}-syscall.prof (binary not kept; rebuild ./bench/upprof at the same commit)."
    echo
  fi
  if has dns; then
    echo "## DNS (bench/dnsload: 8 clients x 4 in flight, then 1 sequential client)"
    echo
    "$work/bin/dnsload" -duration 2s -repeat 1 2>&1 || echo "dnsload failed"
    "$work/bin/dnsload" -workers 1 -window 1 -duration 2s 2>&1 || echo "dnsload failed"
    echo
  fi
  echo "- load average at end: $(load)"
} >>"$work/report.md"
cp "$work/report.md" "$out"
for j in mini docker podman; do
  if [ -f "$work/$j.json" ]; then cp "$work/$j.json" "${out%.md}-$j.json"; fi
done
cat "$out"
echo "report written to $out" >&2
exit 0
}
