# pkgbuild's two commands: `make example` builds the example package and
# loads it with torch; `make test` runs every test (installing Debian's
# python3-torch and friends first when they are missing).
GO ?= go
export PKGBUILD_REQUIRE_TORCH = 1

.PHONY: example test deps bin bench

bin:
	$(GO) build -o bin/pkgbuild ./cmd/pkgbuild

deps:
	./.ci/deps

example: bin
	./.ci/deps --torch
	cd examples/tinynet && ../../bin/pkgbuild build
	/usr/bin/python3 examples/tinynet/load.py examples/tinynet/build/tinynet.pt

test: deps
	$(GO) vet ./...
	$(GO) test -count=1 ./...

# The benchmark (minutes to an hour; see bench/README.md):
#   make bench BENCH_FLAGS="--trees sympy,gen1k"
bench: deps
	./bench/run $(BENCH_FLAGS)
