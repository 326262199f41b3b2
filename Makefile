# ZonaProcessManager — every set-up step a fresh machine needs lives here, so two commands are enough:
#   make run    set up what is missing, build, run the operator on the embedded store and apply samples/
#   make test   set up what is missing, build, run every test
SHELL := /bin/bash
.DEFAULT_GOAL := build

DOTNET      ?= dotnet
CONFIG      ?= Release
RESULTS     := artifacts/test-results
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1
# The engine here is Docker 20.10; Testcontainers would otherwise ask for API 1.44, and Ryuk would need a registry pull.
export DOCKER_API_VERSION := 1.41
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: build restore docker images mongosh setup test run swarm-lab swarm-lab-down bench bench-mongo bench-integrations bench-ports chaos format format-check clean bench-ha bench-swarm bench-sim prometheus-parser bench-probes

restore:
	$(DOTNET) restore ZonaProcessManager.sln

# bin/zpm is a framework-dependent build of the CLI; the wrapper keeps it runnable from any directory.
build: restore
	$(DOTNET) build ZonaProcessManager.sln -c $(CONFIG) --no-restore
	$(DOTNET) publish src/ZonaProcessManager.Cli -c $(CONFIG) --no-restore -o artifacts/zpm
	@mkdir -p bin
	@printf '#!/usr/bin/env bash\nexec dotnet "%s/artifacts/zpm/zpm.dll" "$$@"\n' "$(CURDIR)" > bin/zpm
	@chmod +x bin/zpm
	@echo "built bin/zpm"

docker:
	bash scripts/ensure-docker.sh

images: docker
	bash scripts/build-images.sh

mongosh:
	bash scripts/ensure-mongosh.sh

# Debian's chromium and playwright-core for the dashboard's browser tests.
.PHONY: chromium
chromium:
	bash scripts/ensure-chromium.sh

# The metrics tests parse /metrics with the Prometheus client library's own exposition-format parser (python3).
prometheus-parser:
	bash scripts/ensure-prometheus-parser.sh

setup: images mongosh chromium prometheus-parser

# The Swarm tests bring up the swarm lab themselves (scripts/swarm-lab.sh up) and leave it for the next test class;
# this target takes it down afterwards unless a lab was there before it started (e.g. from `make swarm-lab`).
test: setup build
	@rm -rf $(RESULTS)
	set +e; bash scripts/swarm-lab.sh status >/dev/null 2>&1; lab_before=$$?; \
	$(DOTNET) test ZonaProcessManager.sln -c $(CONFIG) --no-build \
	  --logger "trx" --results-directory $(RESULTS) \
	  --blame-hang-timeout 15m; status=$$?; \
	if [ "$$lab_before" -eq 3 ]; then bash scripts/swarm-lab.sh down || status=1; fi; \
	bash scripts/test-summary.sh $(RESULTS); exit $$status

# A real N-node Docker Swarm on this machine (N=, default 3): one dockerd per network namespace on one bridge, node 1
# the manager at unix:///run/zpmlab/n1/docker.sock; root only. `make swarm-lab-down` removes all of it.
swarm-lab: images
	bash scripts/swarm-lab.sh up $(or $(N),3)

swarm-lab-down:
	bash scripts/swarm-lab.sh down

run: images build
	bin/zpm run --data-dir .zpm --apply samples/

# The operator's four figures in one run: (a) convergence time against direct Docker and (b) write-to-first-Docker-call
# latency at SERVICES= (default 200), then grown to CONVERGED= (default 1000) for (c) idle cost and one resync and
# (d) a restart. Containers without health checks unless HEALTH=<seconds> asks for an HTTP probe that often: probes
# are docker execs, which two cores cannot sustain at scale.
bench: images build
	$(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- operator --services $(or $(SERVICES),200) \
	  --converged $(or $(CONVERGED),1000) $(if $(HEALTH),--health-interval $(HEALTH),--no-health-check)

# The embedded server: acknowledged inserts against raw SQLite, find-by-_id and change-event latency, 16 concurrent
# writers against one (group commit).
bench-mongo: build
	$(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- mongo

# Onboarding: 100 tenants x 5 integrations onboarded at once vs the same containers made directly (TENANTS=, INTEGRATIONS=);
# HEALTH=1 gives every connector an HTTP health check (every 5 s), as in production, at the cost of one exec per probe.
bench-integrations: images build
	$(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- integrations --tenants $(or $(TENANTS),100) \
	  --integrations $(or $(INTEGRATIONS),5) $(if $(HEALTH),,--no-health-check)

# The Swarm backend on the lab (`make swarm-lab`, brought up when missing): SERVICES= (default 200) ServiceSpecs inserted
# at once vs the same services created through the Docker API, and one service scaled 1 -> SCALE= (default 60) through
# its document vs `docker service scale`, in the same run. Waits while Swarm tests hold the lab.
bench-swarm: images build
	$(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- swarm --services $(or $(SERVICES),200) \
	  --scale $(or $(SCALE),60)

# Host-port allocations per second with 8 concurrent allocators, and 0 duplicates.
bench-ports: build
	$(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- ports

# Leader takeover: SERVICES= (default 200) converged services on two `zpm run` processes sharing one store, kill -9 of the
# leader: time until the standby leads, its start-up resync, a service inserted at the kill Running, and containers
# replaced or restarted by the takeover (goal 0). LEASE="--lease-duration 3s --renew-deadline 2s --retry-period 500ms"
# overrides zpm's lease defaults.
bench-ha: images build
	$(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- ha --services $(or $(SERVICES),200) $(LEASE)

# The control plane past one host: the real operator (queue, controllers, watcher, store in a process of its own) on a
# simulated container engine with Docker's measured latencies, at SIZES= (default "1000 10000 100000") ServiceSpecs:
# full resync, memory per resource, container death -> replacement created, change lag under a burst of 10 000 updates.
# No Docker needed. The list-cost curve it uses comes from scripts/measure-docker-list.sh (bench README).
bench-sim: build
	$(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- sim --sizes "$(or $(SIZES),1000 10000 100000)"
# Health checks at scale: SERVICES= (default 1000) services with an HTTP check every INTERVAL= (5) s, operator probes
# against Docker's health checks on the same services in one run: CPU above idle over SECONDS= (60) s windows, and the
# time from a replica failing to Degraded. Holds the machine-wide lock of runs above 200 containers. The host's
# neighbour table must hold an entry per replica the operator probes (scripts/ensure-neighbour-table.sh).
bench-probes: images build
	bash scripts/ensure-neighbour-table.sh
	flock /tmp/zpm-bigbench.lock $(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- probes \
	  --services $(or $(SERVICES),1000) --interval $(or $(INTERVAL),5) --seconds $(or $(SECONDS),60) $(if $(OPERATOR_ONLY),--operator-only)

# Failure scenarios against real zpm processes, each ending with its counts (README "Chaos"); ONLY=a,b picks scenarios.
# CHAOS_DOCKERD=1 adds the Docker engine restart, which disturbs everything else on the host: dedicated machines only.
chaos: images build
	$(DOTNET) run -c Release --project bench/ZonaProcessManager.Benchmarks -- chaos $(if $(ONLY),--only $(ONLY),)

format:
	$(DOTNET) format ZonaProcessManager.sln

format-check:
	$(DOTNET) format ZonaProcessManager.sln --verify-no-changes

clean:
	$(DOTNET) clean ZonaProcessManager.sln
	rm -rf artifacts bin
