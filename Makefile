# mesos-ts: every target installs what it needs when it is missing.
SHELL := /bin/bash
NODE_MODULES := node_modules/.installed

.PHONY: all install build typecheck static lint deadcode docs-check browser busybox test test-repeat sim sim-replay bench-sim bench bench-summary bench-offers bench-offers-full bench-actors bench-resources bench-launch bench-groups bench-allocator bench-log etcd bench-failover experiments experiments-full experiment example-ping-pong example-test-framework example-services example-cron example-batch example-webfarm local clean mpich mpi-programs netns-tools chaos example-kv-store

all: build

# Installs exactly what package-lock.json pins; the stamp makes it run only when the lock changes.
# npm 11.19 writes locks without other platforms' optional packages and then `npm ci` refuses
# them; `npm install --no-save` still installs the locked versions, so it is the fallback.
# MESOS_TS_NO_PREPARE: the packages' own `prepare` (tsc -b, for installs from git and for npm pack)
# is left to `make build`, so an install never fails on a compile error.
$(NODE_MODULES): package.json package-lock.json libprocess-ts/package.json
	MESOS_TS_NO_PREPARE=1 npm ci --no-audit --no-fund || MESOS_TS_NO_PREPARE=1 npm install --no-save --no-audit --no-fund
	@touch $@

install: $(NODE_MODULES)

# The static checks' tools live in test/static (their own package and lock): typescript-eslint
# needs the TypeScript 6 compiler API, which the TypeScript 7 that builds the tree does not have.
STATIC_MODULES := test/static/node_modules/.installed
$(STATIC_MODULES): test/static/package.json test/static/package-lock.json
	cd test/static && { npm ci --no-audit --no-fund || npm install --no-save --no-audit --no-fund; }
	@touch $@

LAUNCHER_BIN := dist/bin/mesos-ts-launcher
LOGGER_BIN := dist/bin/mesos-ts-logrotate-logger
build: $(NODE_MODULES) $(LAUNCHER_BIN) $(LOGGER_BIN)
	npx tsc -b
	@chmod +x dist/cli/main.js

# The agent's launcher helper (agent/containerizer/helper/): a small C program, built with the
# machine's C compiler (Debian's gcc, installed when missing).
$(LAUNCHER_BIN): agent/containerizer/helper/mesos-ts-launcher.c agent/containerizer/helper/mounts.c agent/containerizer/helper/mounts.h
	@command -v cc >/dev/null || { command -v apt-get >/dev/null || { echo "make: the launcher helper needs a C compiler (Debian's gcc) and apt-get is not here to install it" >&2; exit 1; }; apt-get update && apt-get install -y gcc libc6-dev; }
	@mkdir -p $(@D)
	cc -O2 -Wall -Wextra -Werror -pthread -o $@ agent/containerizer/helper/mesos-ts-launcher.c agent/containerizer/helper/mounts.c

# The logrotate container logger (agent/containerizer/logger/, --container_logger=logrotate): C too,
# after the launcher, whose rule installs the compiler.
$(LOGGER_BIN): agent/containerizer/logger/mesos-ts-logrotate-logger.c $(LAUNCHER_BIN)
	@mkdir -p $(@D)
	cc -O2 -Wall -Wextra -Werror -o $@ $<

# --container_logger=logrotate runs the system's logrotate (as Mesos's logger does): installed here when missing.
.PHONY: logger-tools
logger-tools:
	@command -v logrotate >/dev/null || test -x /usr/sbin/logrotate || { command -v apt-get >/dev/null || { echo "make: --container_logger=logrotate needs logrotate (Debian's package logrotate) and apt-get is not here to install it" >&2; exit 1; }; \
	  { apt-get update && apt-get install -y --no-install-recommends logrotate; } || { echo "make: installing logrotate with apt-get failed (see above)" >&2; exit 1; }; }

# Type-check the whole tree (sources, tests, examples, benchmarks), then run every test.
typecheck: build
	npx tsc -p tsconfig.test.json

# The web UI's test (master/webui/test) drives Debian's Chromium: installed here when missing.
browser:
	@command -v chromium >/dev/null || { command -v apt-get >/dev/null || { echo "make: the web UI test needs Chromium (Debian's package chromium) and apt-get is not here to install it" >&2; exit 1; }; apt-get update && apt-get install -y chromium; }

# The image tests (agent/test/agent-images.test.ts) and bench-launch's image row build their
# images from Debian's busybox-static: installed here when missing.
busybox:
	@test -x /bin/busybox || { command -v apt-get >/dev/null || { echo "make: the image tests build their images from Debian's busybox-static and apt-get is not here to install it" >&2; exit 1; }; \
	  { apt-get update && apt-get install -y --no-install-recommends busybox-static; } || { echo "make: installing busybox-static with apt-get failed (see above)" >&2; exit 1; }; }

# The fetcher extracts with the system's tar, gzip, unzip, bzip2 and xz (as Mesos's does); its test
# also makes a zip: installed here when missing (tar and gzip are always in Debian).
.PHONY: fetcher-tools
fetcher-tools:
	@missing=""; for t in unzip:unzip zip:zip bzip2:bzip2 xz:xz-utils; do command -v $${t%%:*} >/dev/null || missing="$$missing $${t#*:}"; done; \
	  test -z "$$missing" || { command -v apt-get >/dev/null || { echo "make: the fetcher needs$$missing and apt-get is not here to install it" >&2; exit 1; }; \
	  { apt-get update && apt-get install -y --no-install-recommends $$missing; } || { echo "make: installing$$missing with apt-get failed (see above)" >&2; exit 1; }; }

# Static checks, before any test runs: each prints what is wrong and where.
# lint: ESLint with typescript-eslint's type-aware rules (no floating or misused promises, exhaustive switches).
lint: $(NODE_MODULES) $(STATIC_MODULES)
	node test/static/node_modules/eslint/bin/eslint.js --config test/static/eslint.config.js .

# deadcode: knip: files no entry point reaches, unused or unlisted dependencies, unresolved imports.
deadcode: $(NODE_MODULES) $(STATIC_MODULES)
	node test/static/node_modules/knip/bin/knip.js --config test/static/knip.jsonc --no-progress

# docs-check: every make target, mesos-ts command and flag, and master/agent route a README names exists.
docs-check: build
	node --import ./test/ts-loader.mjs --no-warnings test/static/docs.ts

static: lint deadcode docs-check

# The tests: first the unit and in-process ones (jest project `unit`) on every core, then those
# that start OS processes (project `processes`), PROCESS_WORKERS files at a time; both runs go to
# the end, every failure shows; then SIM_TEST_SEEDS whole-cluster simulation seeds (without
# JEST_ARGS); then the skipped tests, each with its reason.
JEST := node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js
PROCESS_WORKERS ?= 2
SKIPPED_TESTS_FILE := test-output/skipped-tests.txt
test: typecheck static browser busybox fetcher-tools logger-tools mpich netns-tools
	@mkdir -p test-output && rm -f $(SKIPPED_TESTS_FILE)
	@status=0; \
	SKIPPED_TESTS_FILE=$(SKIPPED_TESTS_FILE) $(JEST) --selectProjects unit --maxWorkers=2 --passWithNoTests $(JEST_ARGS) || status=1; \
	SKIPPED_TESTS_FILE=$(SKIPPED_TESTS_FILE) $(JEST) --selectProjects processes --maxWorkers=$(PROCESS_WORKERS) --passWithNoTests $(JEST_ARGS) || status=1; \
	if [ -z "$(JEST_ARGS)" ]; then node dist/sim/main.js --seeds=1-$(SIM_TEST_SEEDS) || status=1; fi; \
	if [ -s $(SKIPPED_TESTS_FILE) ]; then echo; echo "Skipped tests, with their reasons:"; cat $(SKIPPED_TESTS_FILE); fi; \
	exit $$status

# The whole of `make test` N times (default 5), each in a fresh clone of REF (default: this
# checkout's HEAD) in a temporary directory; prints each run's time and every failing test by name.
test-repeat:
	bash test/repeat.sh $(or $(N),5) $(REF)

# Whole-cluster simulation (sim/README.md): SEEDS (a-b, or a list) on every core; prints how many ran and each failure's replay.
SIM_TEST_SEEDS ?= 200
SEEDS ?= 1-1000
sim: build
	node dist/sim/main.js --seeds=$(SEEDS) $(ARGS)

# One seed, with the timeline of the events before a violation written to sim-<SEED>.timeline.txt.
sim-replay: build
	node dist/sim/main.js --seed=$(SEED) $(ARGS)

# Simulated cluster-seconds per wall second: 3 masters, 100 agents, 10 frameworks (target 100x).
bench-sim: build
	node dist/benchmarks/sim.js $(BENCH_ARGS)

# Every benchmark (bench-offers in its quick form), then one table of their figures beside their
# same-run baselines: benchmarks/results/SUMMARY.md (results/*.json carry commit, date, machine, load).
bench: bench-actors bench-resources bench-launch bench-allocator bench-log bench-offers bench-failover
	node dist/benchmarks/summary.js

# The summary table alone, from the results files already written.
bench-summary: build
	node dist/benchmarks/summary.js

bench-actors: build
	node dist/benchmarks/actors/main.js

bench-resources: build
	node dist/benchmarks/resources.js

# The allocator core alone on Mesos's DeclineOffers shape, agents {1k,10k,50k} x frameworks {50,200,1k}.
bench-allocator: build
	node dist/benchmarks/allocator.js

# The containerizer alone: COUNT tasks (default 1000) running `true`, posix and cgroups, next to spawn('true').
bench-launch: build busybox
	node dist/benchmarks/launch.js

# Task groups: K tasks as one LAUNCH_GROUP (the default executor, nested containers) next to K command tasks, same run.
bench-groups: build
	node dist/benchmarks/groups.js

# MPI jobs (mesos-ts mpiexec, its tests, the mpi experiment): Debian's MPICH (Hydra's mpiexec.hydra, mpicc), installed here when missing.
mpich:
	@{ command -v mpiexec.hydra && command -v mpicc; } >/dev/null || { command -v apt-get >/dev/null || { echo "make: MPI jobs need MPICH (Debian's packages mpich and libmpich-dev: mpiexec.hydra, mpicc) and apt-get is not here to install them; install MPICH 4 with Hydra on the PATH" >&2; exit 1; }; \
	  { apt-get update && apt-get install -y --no-install-recommends mpich libmpich-dev; } || { echo "make: installing mpich and libmpich-dev with apt-get failed (see above); MPI jobs need mpiexec.hydra and mpicc on the PATH" >&2; exit 1; }; }

# The MPI programs of examples/mpi, built with mpicc into dist/mpi/ (never committed).
mpi-programs: mpich
	@mkdir -p dist/mpi && for p in is pingpong collectives hello fail; do mpicc -O2 -Wall -o dist/mpi/$$p examples/mpi/$$p.c || exit 1; done; echo "make: built dist/mpi/{is,pingpong,collectives,hello,fail}"

# bench-log measures etcd beside the log: Debian's etcd-server, installed here when missing.
etcd:
	@command -v etcd >/dev/null || { command -v apt-get >/dev/null || { echo "make: bench-log runs etcd beside the log (Debian's package etcd-server) and apt-get is not here to install it; install etcd 3.4+ on the PATH" >&2; exit 1; }; \
	  { apt-get update && apt-get install -y --no-install-recommends etcd-server; } || { echo "make: installing etcd-server with apt-get failed (see above); bench-log needs etcd 3.4+ on the PATH" >&2; exit 1; }; }

# local --hosts=netns, its faults and the chaos test need ip and tc (iproute2) and nft (nftables).
netns-tools:
	@command -v ip >/dev/null && command -v tc >/dev/null && command -v nft >/dev/null || { command -v apt-get >/dev/null || { echo "make: local --hosts=netns needs ip, tc and nft (Debian's iproute2 and nftables) and apt-get is not here to install them" >&2; exit 1; }; \
	  { apt-get update && apt-get install -y --no-install-recommends iproute2 nftables; } || { echo "make: installing iproute2 and nftables with apt-get failed (see above)" >&2; exit 1; }; }

# The chaos test's long form (test/README.md): local --hosts=netns (root), CHAOS_SECONDS of faults
# (default 300) from seed SEED (default 1), then healed and drained; history.jsonl and report.md in
# OUT (default a new temporary directory); exits 1 when an invariant broke.
CHAOS_SECONDS ?= 300
SEED ?= 1
chaos: build netns-tools
	node --import ./test/ts-loader.mjs --no-warnings test/chaos/main.ts --seconds=$(CHAOS_SECONDS) --seed=$(SEED) $(if $(OUT),--out=$(OUT))

# The replicated log and etcd, each 3 members in 3 OS processes (fsync), the same election timeout
# and client pattern: append latency, 16 writers, failover; results/log.json holds both.
bench-log: build etcd
	node dist/benchmarks/log.js $(BENCH_ARGS)

# Failover: SIGKILL of the leading master (3 masters) until 200 frameworks and 1,000 simulated agents are back; median of 3 rounds.
bench-failover: build
	node dist/benchmarks/failover.js $(BENCH_ARGS)

# The Mesos paper's experiments (experiments/README.md), quick form (about 5 minutes here): writes
# experiments/results/<name>/ (raw.jsonl, summary.json, SVG plots) and experiments/report.md.
experiments: build mpich
	node dist/experiments/main.js all --quick $(ARGS)

# The full form (paper scale: 96 agents for the macrobenchmark, 10k agents for ramp-up, 50k for offers; hours).
experiments-full: build
	node dist/experiments/main.js all $(ARGS)

# One experiment: make experiment NAME=sharing ARGS=--quick
experiment: build mpich
	node dist/experiments/main.js $(NAME) $(ARGS)

# The Mesos paper's experiment: 200 frameworks, simulated agents; quick: 1k and 10k agents (about 2 min).
bench-offers: build
	node dist/benchmarks/offers/main.js $(BENCH_ARGS)

# The whole sweep: 1k, 10k and 50k agents.
bench-offers-full: build
	node dist/benchmarks/offers/main.js --full $(BENCH_ARGS)

# Two OS processes, one actor in each, pinging over a WebSocket. COUNT=100 for more.
example-ping-pong: build
	node dist/examples/ping-pong/main.js $(or $(COUNT),10)

# Runs TASKS tasks (default 5) on the cluster at MASTER and prints their states; exits 1 if any fails.
MASTER ?= 127.0.0.1:5050
# A local cluster (3 masters announced over mDNS, 3 agents, as OS processes) running the test framework; Ctrl-C stops it all.
local: build
	node dist/cli/main.js local --mdns=true --test_framework=$(or $(TASKS),5) $(LOCAL_ARGS)

example-test-framework: build
	node dist/examples/test-framework/main.js --master $(MASTER) --tasks $(or $(TASKS),5)

# The other examples against the cluster at MASTER (see examples/README.md); ARGS adds flags.
# services: 2 web servers with an HTTP health check; scale or roll through its /apps endpoint (HTTP_PORT, default 8088).
example-services: build
	node dist/examples/services/main.js --master $(MASTER) --app web --instances $(or $(INSTANCES),2) --ports 1 --health http:/ \
	  --command 'exec node -e "require(\"http\").createServer((q, s) => s.end(\"v1 \" + process.pid + \"\\n\")).listen(Number(process.env.PORT0))"' \
	  --http-port $(or $(HTTP_PORT),8088) $(ARGS)

# cron: a job every 10 s and one after it; history in /tmp/mesos-ts-cron-history.json and on GET /jobs/history.
example-cron: build
	node dist/examples/cron/main.js --master $(MASTER) --history-file /tmp/mesos-ts-cron-history.json \
	  --job '{"name":"tick","command":"date -u +tick-%T","schedule":"R//PT10S"}' \
	  --job '{"name":"tock","command":"echo tock after tick","parents":["tick"]}' $(ARGS)

# batch: a gang of TASKS tasks (default 3) that start together or not at all.
example-batch: build
	node dist/examples/batch/main.js --master $(MASTER) --tasks $(or $(TASKS),3) $(ARGS)

# webfarm: servers that follow a load of 10, then 80, then 10 requests/s (40 s each phase).
example-webfarm: build
	node dist/examples/webfarm/main.js --master $(MASTER) --target-rps 20 --min 1 --max 5 --load 10,80,10 $(ARGS)

# kv-store: a key-value server on a reserved share and a persistent volume (examples/README.md).
example-kv-store: build
	node dist/examples/kv-store/main.js --master $(MASTER) --name $(or $(NAME),demo) $(ARGS)

clean:
	rm -rf dist libprocess-ts/dist *.tsbuildinfo libprocess-ts/*.tsbuildinfo
