# mini-compose — build, demo and test. Root and Linux are required for
# `demo` and `test` (containers, network namespaces, nftables).
GO      ?= go
BIN     := bin/mini-compose
ROOT    ?= /var/lib/mini-compose
export CGO_ENABLED := 1
# Static, as runc is released: libcontainer re-executes the daemon's binary
# for every container start, and a dynamic one pays the loader and libc's
# start-up each time (measured: start phase of a 20-service up -10 %).
# netgo/osusergo keep glibc's NSS (which cannot be linked statically) out.
STATIC  := -tags 'netgo osusergo urfave_cli_no_docs' -ldflags '-extldflags -static'
# The two cgo binaries link musl (Debian's musl-tools) rather than glibc:
# the daemon is re-executed as every container's init and the complete CLI
# as the init of every `exec`, and glibc's static start-up probes the CPU
# (CPUID, a trap under a hypervisor: an empty static glibc program costs
# 1.1 ms of CPU here, a musl one 0.2 ms). Measured: 20-service up -d
# -5 to -11 % (BENCHMARKS.md, session 5). musl has no kernel headers of
# its own: KHDRS links Debian's (linux-libc-dev) for nsenter's C code.
# Without musl-gcc the build falls back to glibc, and says so.
MUSL_CC := $(shell command -v musl-gcc 2>/dev/null)
KHDRS   := $(CURDIR)/bin/.khdrs
ifneq ($(MUSL_CC),)
CGO_ENV := CC=$(MUSL_CC) CGO_CFLAGS='$(or $(CGO_CFLAGS),-g -O2) -I$(KHDRS)'
endif

.PHONY: build image demo demo-down test unit bench clean cgo-env khdrs

# The thin CLI; the complete CLI, which runs the verbs the thin one hands
# over and serves as its warm loader of compose files; and the daemon they
# start on demand (a separate, smaller binary that libcontainer re-executes
# for every container start). All three are installed side by side.
build: khdrs
	$(GO) build $(STATIC) -o $(BIN) ./cmd/mini-compose
	$(CGO_ENV) $(GO) build $(STATIC) -o $(BIN)-full ./cmd/mini-compose-full
	$(CGO_ENV) $(GO) build $(STATIC) -o $(BIN)-daemon ./cmd/mini-compose-daemon

khdrs:
ifeq ($(MUSL_CC),)
	@echo "note: musl-gcc not found (apt-get install musl-tools): linking glibc, container starts are slower" >&2
else
	@mkdir -p $(KHDRS)
	@ln -sfn /usr/include/linux $(KHDRS)/linux
	@ln -sfn /usr/include/asm-generic $(KHDRS)/asm-generic
	@ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $(KHDRS)/asm
endif

# The environment of the cgo builds, for scripts that build binaries that
# start containers themselves (bench/run.sh).
cgo-env: khdrs
	@echo "$(CGO_ENV)"

# The example image: a static Go program plus busybox, packed locally.
image: build
	CGO_ENABLED=0 $(GO) build -o bin/hello-app ./examples/hello/app
	$(GO) run ./internal/tools/mkimage -o bin/hello.tar -t mini-compose/hello:latest --busybox --add bin/hello-app:/app
	$(BIN) --root $(ROOT) image load -i bin/hello.tar

demo: image
	$(BIN) --root $(ROOT) -f examples/hello/compose.yaml up -d
	$(BIN) --root $(ROOT) -f examples/hello/compose.yaml ps
	@echo "try: curl http://127.0.0.1:8080/  ;  $(BIN) -f examples/hello/compose.yaml logs client  ;  make demo-down"

demo-down:
	$(BIN) --root $(ROOT) -f examples/hello/compose.yaml down

# Unit tests run as they are; the whole suite (root tests, end-to-end) runs
# inside fresh network and mount namespaces, never against the host's network.
unit:
	$(GO) test -count=1 ./project/... ./resolver/...

test:
	$(GO) vet ./...
	$(GO) build ./...
	$(GO) test -count=1 -run XXX_build_only ./... >/dev/null
	unshare --net --mount --fork -- ./internal/testutil/hermetic.sh $(GO) test -count=1 -timeout 15m ./...

bench: build
	./bench/run.sh

clean:
	rm -rf bin
