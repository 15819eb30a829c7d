# PAKN-57 build. `make run` and `make test` are the two commands a user needs; both install
# missing Debian packages first (deploy/install-deps.sh).
#
# Two builds share the sources: build/release (optimised, what `make run` serves) and
# build/asan (AddressSanitizer + UndefinedBehaviorSanitizer, what `make test` runs).

CC      ?= cc
PKGS    := libevent libevent_pthreads libpq json-c libsodium liboath libqrencode
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS_COMMON = -std=c11 -D_GNU_SOURCE -g $(WARN) -Iserver $(shell pkg-config --cflags $(PKGS))
LDLIBS_COMMON = $(shell pkg-config --libs $(PKGS)) -lpthread -lm

RELEASE_FLAGS := -O2
ASAN_FLAGS    := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

# Sources by folder (docs/architecture.md draws the layers; tools/check_layers.py checks
# that includes only go down them).
CORE_SRCS     := server/core/xalloc.c server/core/log.c server/core/config.c server/core/util.c \
                 server/core/text.c server/core/random.c server/core/workpool.c server/core/prometheus.c \
                 server/core/qr_svg.c
DB_SRCS       := server/db/db.c server/db/db_reply.c server/db/db_stmts.c server/db/reply_cache.c
CRYPTO_SRCS   := server/crypto/keys.c server/crypto/receipt.c server/crypto/tracking.c \
                 server/crypto/personal.c server/crypto/totp.c
HTTP_SRCS     := server/http/http.c server/http/http_db.c server/http/http_params.c \
                 server/http/http_errors.c \
                 server/http/http_limits.c server/http/http_router.c \
                 server/http/http_query.c server/http/field_errors.c server/http/proxy.c \
                 server/http/ratelimit.c server/http/conn_guard.c server/http/webfiles.c \
                 server/http/accept_encoding.c \
                 server/http/table.c
CATALOG_SRCS  := server/catalog/catalog.c server/catalog/catalog_page.c server/catalog/catalog_qr.c
INTAKE_SRCS   := server/intake/intake.c server/intake/intake_api.c server/intake/intake_queue.c \
                 server/intake/intake_hub.c server/intake/form_pages.c
OFFICIALS_SRCS := server/officials/auth.c server/officials/auth_tokens.c \
                 server/officials/moderation.c server/officials/second_factor.c \
                 server/officials/export.c \
                 server/officials/bulk.c server/officials/templates.c \
                 server/officials/assisted.c
METRICS_SRCS  := server/metrics/metrics.c server/metrics/report.c
TLOG_SRCS     := server/tlog/tlog.c server/tlog/tlog_receipt.c server/tlog/tlog_head.c \
                 server/tlog/tlog_api.c server/tlog/tlog_publish.c server/tlog/cosign.c \
                 server/tlog/tlog_witness.c
# The wiring: the only files that see every folder (main.c is linked on its own).
WIRING_SRCS   := server/server.c server/routes.c server/service.c

# Modules shared by the server, paknctl and the tests.
LIB_SRCS := server/core/xalloc.c server/core/log.c server/core/config.c server/core/util.c \
            server/core/text.c server/core/random.c server/crypto/tracking.c server/crypto/keys.c \
            server/crypto/receipt.c server/crypto/personal.c server/http/http_router.c \
            server/http/http_query.c server/http/proxy.c server/http/field_errors.c \
            server/intake/intake.c server/officials/auth_tokens.c server/tlog/tlog.c \
            server/tlog/tlog_receipt.c server/tlog/cosign.c
# The server's own modules: every folder's sources but those above.
SRV_SRCS := $(filter-out $(LIB_SRCS),$(CORE_SRCS) $(DB_SRCS) $(CRYPTO_SRCS) $(HTTP_SRCS) \
              $(CATALOG_SRCS) $(INTAKE_SRCS) $(OFFICIALS_SRCS) $(METRICS_SRCS) $(TLOG_SRCS) \
              $(WIRING_SRCS))
# The plan parser: paknctl's (import-plan), linked by paknctl and the tests only.
PLAN_SRCS := tools/plan_import.c tools/plan_deadline.c
# The witness's state and decisions: pakn-witness's, linked by it and the tests only.
WITNESS_SRCS := tools/witness.c

# Unit tests mirror the sources folder by folder: tests/unit/<folder>/test_<file>.c tests
# server/<folder>/<file>.c (tests/unit/tools/ tests tools/). Their binaries keep flat names,
# build/<mode>/tests/test_<file>, so `TESTS=<file>` finds them wherever they live.
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_TESTS := $(basename $(notdir $(UNIT_SRCS)))
ifneq ($(words $(UNIT_TESTS)),$(words $(sort $(UNIT_TESTS))))
$(error two unit tests share a file name: $(sort $(UNIT_TESTS)))
endif
INTEG_TESTS := $(patsubst tests/integration/%.c,%,$(wildcard tests/integration/test_*.c))

B ?= build/release
MODE_FLAGS ?= $(RELEASE_FLAGS)

.PHONY: all deps deps-test build www asan run test check-layers test-valgrind test-tsan test-faults test-scale \
	test-hostile fuzz fuzz-short bench bench-metrics bench-feed bench-export bench-queue-search clean

all: deps build

deps:
	@./deploy/install-deps.sh

# The tests also need Chromium for the browser tests.
deps-test:
	@./deploy/install-deps.sh test

build: deps
	@$(MAKE) --no-print-directory binaries B=build/release MODE_FLAGS="$(RELEASE_FLAGS)"
	@$(MAKE) --no-print-directory www

# The served tree: static/ plus the charting library from npm (package-lock.json), so
# nothing is fetched from another address at run time.
NPM_STAMP := node_modules/.package-lock.json
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# Each page is its own content in the chrome of static/_layout.html (tools/build_pages.py,
# which writes over the copied sources; the layout itself is not served). The citizen page
# lists every item for use without JavaScript (tools/gen_item_options.py, with the release
# paknctl's plan parser). Last, each page gets its English copy under en/, the asset
# addresses their versions, and each text file its .gz and .br (build_pages.py --finish).
www: $(NPM_STAMP)
	@rm -rf build/www.tmp && mkdir -p build/www.tmp/assets/vendor
	@cp -R static/. build/www.tmp/ && rm -f build/www.tmp/README.md build/www.tmp/_layout.html
	@python3 tools/build_pages.py static build/www.tmp
	@cp node_modules/chart.js/dist/chart.umd.js build/www.tmp/assets/vendor/
	@python3 tools/gen_item_options.py build/release/paknctl build/www.tmp/index.html data/plans/*.txt
	@python3 tools/build_pages.py --finish build/www.tmp
	@rm -rf build/www && mv build/www.tmp build/www

asan: deps
	@$(MAKE) --no-print-directory binaries tests-bin B=build/asan MODE_FLAGS="$(ASAN_FLAGS)"

run: build
	@./tools/run.sh

test: deps-test build asan
	@./tests/run.sh

# Includes go down the layers of docs/architecture.md, without cycles (also run by make test).
check-layers:
	@python3 tools/check_layers.py

# The integration tests that start the server (test_paknctl runs only the command line).
SERVER_TESTS := $(filter-out test_paknctl,$(INTEG_TESTS))

# ASan does not see inside the libraries it does not instrument (json-c, libevent, libpq):
# a double json_object_put crashed the release build and passed `make test`. So the same
# integration tests run against the release server under valgrind (memcheck errors only;
# leaks are ASan's job), with the harness's timeouts scaled for its slowness.
VALGRIND := valgrind --quiet --error-exitcode=1 --leak-check=no --fair-sched=try \
            --num-callers=30 --suppressions=tests/valgrind.supp
test-valgrind: deps-test build
	@$(MAKE) --no-print-directory $(addprefix build/release/tests/,$(SERVER_TESTS)) \
		B=build/release MODE_FLAGS="$(RELEASE_FLAGS)"
	@PAKN_TEST_UPGRADED=0 PAKN_TEST_BUILD=build/release PAKN_SERVER_WRAPPER="$(VALGRIND)" \
		PAKN_TEST_TIME_SCALE=20 TESTS="$(SERVER_TESTS:test_%=%)" ./tests/run.sh

# ThreadSanitizer (build/tsan): the server has workers, an intake thread, a password pool
# and shared caches. tests/tsan.supp names the few reports inside uninstrumented libraries.
# Newer kernels randomise mmap with more bits than gcc 12's TSan can map around
# ("unexpected memory mapping"): setarch -R turns the randomisation off for the run where
# the machine allows it (a container's seccomp profile may not).
TSAN_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=thread
test-tsan: deps-test build
	@$(MAKE) --no-print-directory binaries $(addprefix build/tsan/tests/,$(SERVER_TESTS)) \
		B=build/tsan MODE_FLAGS="$(TSAN_FLAGS)"
	@norandom=$$(setarch $$(uname -m) -R true 2>/dev/null && echo "setarch $$(uname -m) -R"); \
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp second_deadlock_stack=1" \
		PAKN_TEST_UPGRADED=0 PAKN_TEST_BUILD=build/tsan PAKN_TEST_TIME_SCALE=5 TESTS="$(SERVER_TESTS:test_%=%)" \
		$$norandom ./tests/run.sh

# Durability under faults (tests/faults/faults.mjs): SIGKILL of PostgreSQL and of the
# service, a fast restart, SIGTERM under load; nothing acknowledged may be lost.
test-faults: build
	@node tests/faults/faults.mjs

# The deployment's pieces together on loopback (tests/scale/scale.mjs): a primary and a
# streaming replica, PgBouncer, two instances and nginx with TLS (its certificate is
# self-signed, hence the one setting below); one instance killed under load.
test-scale: build www
	@./deploy/install-deps.sh scale
	@NODE_TLS_REJECT_UNAUTHORIZED=0 NODE_NO_WARNINGS=1 node tests/scale/scale.mjs

# Hostile clients (tests/hostile/): raw-socket regression tests against the release build,
# one file per attack in tests/hostile/cases/, printing the figures they measure.
test-hostile: deps-test build
	@node tests/hostile/run.mjs

# Fuzzing (tests/fuzz/): libFuzzer targets for what parses a client's bytes, built with
# clang into build/fuzz (ASan + UBSan), each run FUZZ_SECONDS from a copy of its seed
# corpus in tests/fuzz/corpus/. `make fuzz-short` is the short pass .ci/run makes.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

fuzz: deps
	@./deploy/install-deps.sh fuzz
	@$(MAKE) --no-print-directory fuzz-bin B=build/fuzz CC=clang MODE_FLAGS="$(FUZZ_FLAGS)"
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

# Throughput against the ceilings and peers, in one run (bench/run.sh); needs wrk.
# The peer, PostGraphile, from its own lockfile (kept out of what `make test` installs).
PEER_STAMP := bench/peer/node_modules/.package-lock.json
$(PEER_STAMP): bench/peer/package.json bench/peer/package-lock.json
	@cd bench/peer && npm ci --no-audit --no-fund --loglevel=error

bench: build $(PEER_STAMP)
	@./deploy/install-deps.sh bench
	@$(MAKE) --no-print-directory build/release/receipt-cost B=build/release \
		MODE_FLAGS="$(RELEASE_FLAGS)"
	@./bench/run.sh

bench-metrics: build
	@./bench/metrics.sh

# The public feed's latency on 1,000,000 rows, 1% public (bench/feed.sh).
bench-feed: build
	@./bench/feed.sh

# GET /api/v1/moderation/export on 1,000,000 rows: time, bytes, memory, plan (bench/export.sh).
bench-export: build
	@./bench/export.sh

# The officials' queue search on 1,000,000 rows (bench/queue_search.sh).
bench-queue-search: build
	@./bench/queue_search.sh

clean:
	rm -rf build

# --- inner targets (called with B and MODE_FLAGS set) ---------------------------------

CFLAGS = $(CFLAGS_COMMON) $(MODE_FLAGS)
LDFLAGS = $(MODE_FLAGS)
LIB_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRCS))
SRV_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(SRV_SRCS))
PLAN_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(PLAN_SRCS))
WITNESS_OBJS = $(patsubst %.c,$(B)/obj/%.o,$(WITNESS_SRCS))

.PHONY: binaries tests-bin
binaries: $(B)/pakn-server $(B)/paknctl $(B)/pakn-verify $(B)/pakn-witness
tests-bin: $(addprefix $(B)/tests/,$(UNIT_TESTS) $(INTEG_TESTS))

# The tests reach tools/' plan parser by its bare name, as paknctl does.
$(B)/obj/tests/%.o: CFLAGS += -Itools

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/pakn-server: $(B)/obj/server/main.o $(SRV_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS_COMMON) -o $@

$(B)/paknctl: $(B)/obj/tools/paknctl.o $(B)/obj/tools/paknctl_officials.o \
		$(B)/obj/tools/paknctl_log.o $(PLAN_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS_COMMON) -o $@

$(B)/pakn-verify: $(B)/obj/tools/pakn-verify.o $(B)/obj/tools/verify_witness.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS_COMMON) -o $@

# The witness frames its requests with the service's own filter (http_limits.c).
$(B)/pakn-witness: $(B)/obj/tools/pakn-witness.o $(WITNESS_OBJS) \
		$(B)/obj/server/http/http_limits.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS_COMMON) -o $@

# What proving a submission costs, v1 against v2 (bench/receipt_cost.c; make bench runs it).
$(B)/receipt-cost: $(B)/obj/bench/receipt_cost.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS_COMMON) -o $@

# One rule per unit test, as a pattern cannot drop the folder from the binary's name.
define UNIT_RULE
$(B)/tests/$(basename $(notdir $(1))): $(B)/obj/$(1:.c=.o) $$(SRV_OBJS) $$(PLAN_OBJS) $$(WITNESS_OBJS) $$(LIB_OBJS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS_COMMON) $$(shell pkg-config --libs cmocka) -o $$@
endef
$(foreach t,$(UNIT_SRCS),$(eval $(call UNIT_RULE,$(t))))

$(B)/tests/test_%: $(B)/obj/tests/integration/test_%.o $(B)/obj/tests/integration/harness.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS_COMMON) $(shell pkg-config --libs cmocka) -o $@

# Each fuzz target links only the modules it reaches (moderation.c's handlers reach the
# whole server).
FUZZ_DEPS_http_limits := server/http/http_limits.c server/http/http_router.c server/core/text.c \
                         server/core/xalloc.c
FUZZ_DEPS_http_query  := server/http/http_query.c server/http/http_router.c server/core/text.c \
                         server/core/xalloc.c
FUZZ_DEPS_accept_encoding := server/http/accept_encoding.c
FUZZ_DEPS_intake      := server/intake/intake.c server/core/xalloc.c server/http/http_query.c \
                         server/http/http_router.c server/core/text.c server/core/util.c \
                         server/http/field_errors.c
FUZZ_DEPS_moderation  := $(SRV_SRCS) $(LIB_SRCS)
FUZZ_DEPS_receipt     := server/crypto/receipt.c server/crypto/keys.c server/core/util.c \
                         server/core/xalloc.c server/core/text.c server/tlog/tlog.c \
                         server/tlog/tlog_receipt.c
FUZZ_DEPS_tracking    := server/crypto/tracking.c server/core/random.c server/core/xalloc.c
FUZZ_DEPS_plan_import := $(PLAN_SRCS) server/core/text.c server/core/util.c \
                         server/core/xalloc.c
FUZZ_DEPS_witness     := $(WITNESS_SRCS) server/tlog/cosign.c server/tlog/tlog.c server/core/text.c \
                         server/core/util.c server/core/xalloc.c server/core/log.c

.PHONY: fuzz-bin
fuzz-bin: $(addprefix $(B)/fuzz_,$(FUZZ_TARGETS))

define FUZZ_RULE
$(B)/fuzz_$(1): $(B)/obj/tests/fuzz/fuzz_$(1).o $(patsubst %.c,$(B)/obj/%.o,$(FUZZ_DEPS_$(1)))
	$$(CC) -fsanitize=fuzzer,address,undefined $$^ $$(LDLIBS_COMMON) -o $$@
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
