# mesos-ts: every target installs what it needs when it is missing.
SHELL := /bin/bash
NODE_MODULES := node_modules/.installed

.PHONY: all install build typecheck test bench bench-offers bench-offers-full bench-actors bench-resources bench-launch bench-allocator bench-log example-ping-pong example-test-framework local clean

all: build

# Installs exactly what package-lock.json pins; the stamp makes it run only when the lock changes.
# npm 11.19 writes locks without other platforms' optional packages and then `npm ci` refuses
# them; `npm install --no-save` still installs the locked versions, so it is the fallback.
$(NODE_MODULES): package.json package-lock.json libprocess-ts/package.json
	npm ci --no-audit --no-fund || npm install --no-save --no-audit --no-fund
	@touch $@

install: $(NODE_MODULES)

build: $(NODE_MODULES)
	npx tsc -b
	@chmod +x dist/cli/main.js

# Type-check the whole tree (sources, tests, examples, benchmarks), then run every test.
typecheck: build
	npx tsc -p tsconfig.test.json

test: typecheck
	node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js $(JEST_ARGS)

bench: bench-actors bench-resources bench-launch bench-allocator bench-log

bench-actors: build
	node dist/benchmarks/actors/main.js

bench-resources: build
	node dist/benchmarks/resources.js

# The allocator core alone on Mesos's DeclineOffers shape, agents {1k,10k,50k} x frameworks {50,200,1k}.
bench-allocator: build
	node dist/benchmarks/allocator.js

# The containerizer alone: COUNT tasks (default 1000) running `true`, posix and cgroups, next to spawn('true').
bench-launch: build
	node dist/benchmarks/launch.js

# The replicated log: 3 replicas in 3 OS processes (WebSockets, fsync): append latency, 16 writers, failover.
bench-log: build
	node dist/benchmarks/log.js

# Two OS processes, one actor in each, pinging over a WebSocket. COUNT=100 for more.
# The Mesos paper's experiment: 200 frameworks, simulated agents; quick: 1k and 10k agents (about 2 min).
bench-offers: build
	node dist/benchmarks/offers/main.js $(BENCH_ARGS)

# The whole sweep: 1k, 10k and 50k agents.
bench-offers-full: build
	node dist/benchmarks/offers/main.js --full $(BENCH_ARGS)

example-ping-pong: build
	node dist/examples/ping-pong/main.js $(or $(COUNT),10)

# Runs TASKS tasks (default 5) on the cluster at MASTER and prints their states; exits 1 if any fails.
MASTER ?= 127.0.0.1:5050
# A local cluster (1 master, 3 agents as OS processes) running the test framework; Ctrl-C stops it all.
local: build
	node dist/cli/main.js local --test_framework=$(or $(TASKS),5) $(LOCAL_ARGS)

example-test-framework: build
	node dist/examples/test-framework/main.js --master $(MASTER) --tasks $(or $(TASKS),5)

clean:
	rm -rf dist libprocess-ts/dist *.tsbuildinfo libprocess-ts/*.tsbuildinfo
