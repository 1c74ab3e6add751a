# Two commands on a fresh machine: `make demo` and `make test` (both install what
# they need first). The logic lives in scripts/*.sh; see docs/dev-setup.md.
PORT ?= 8080
export PORT

.PHONY: setup build test demo bench clean

setup:
	scripts/setup.sh

build:
	scripts/build.sh

test: setup
	scripts/test.sh

demo: setup
	scripts/demo.sh

bench:
	scripts/bench.sh

clean:
	scripts/clean.sh
