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

.PHONY: build image demo demo-down test unit bench clean

# The thin CLI; the complete CLI, which runs the verbs the thin one hands
# over and serves as its warm loader of compose files; and the daemon they
# start on demand (a separate, smaller binary that libcontainer re-executes
# for every container start). All three are installed side by side.
build:
	$(GO) build $(STATIC) -o $(BIN) ./cmd/mini-compose
	$(GO) build $(STATIC) -o $(BIN)-full ./cmd/mini-compose-full
	$(GO) build $(STATIC) -o $(BIN)-daemon ./cmd/mini-compose-daemon

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
