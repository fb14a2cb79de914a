# pakfire: `make` builds both programs into build/; `make check` runs the whole
# suite twice (a normal build and an ASan+UBSan build) and ends with one line
# "N passed, N failed"; `make demo` tells the story; `make install`.
.DEFAULT_GOAL := all

PREFIX  ?= /usr
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
# /etc is not under PREFIX (a PREFIX of /usr still configures /etc).
sysconfdir ?= /etc
DOCDIR     := $(PREFIX)/share/doc/pakfire

# libcurl: headers only; fetch/curl.c loads it with the first network download (dlopen).
# json-c: the --json output (why json-c: pakfire/cli/jsonc.h).
PKGS      := libarchive gpgme sqlite3 nettle json-c
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) libcurl)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -ldl -pthread

OPT      ?= -O2 -g
CFLAGS_ALL = -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wno-missing-field-initializers -fno-strict-aliasing \
	-D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -pthread -Ipakfire/lib $(OPT) $(PKG_CFLAGS) $(CFLAGS)
ifeq ($(SANITIZE),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
endif

LIB_SRC  := $(sort $(wildcard pakfire/lib/*/*.c))
CLI_SRC  := $(sort $(wildcard pakfire/cli/*.c))
REPO_SRC := $(sort $(wildcard pakfire/repo/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
REPO_OBJ := $(REPO_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps check unit demo install clean bench FORCE
all: $(BUILD)/pakfire $(BUILD)/pakfire-repo

$(BUILD)/obj/%.o: %.c $(wildcard pakfire/lib/*/*.h pakfire/cli/*.h pakfire/repo/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/libpakfire.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/pakfire: $(CLI_OBJ) $(BUILD)/libpakfire.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/pakfire-repo: $(REPO_OBJ) $(BUILD)/libpakfire.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The front end's parts without its main(), for unit tests of them
# (tests include "cli/jsonc.h").
CLI_PARTS := $(filter-out $(BUILD)/obj/pakfire/cli/main.o,$(CLI_OBJ))
$(BUILD)/libpakfire-cli.a: $(CLI_PARTS)
	@rm -f $@
	ar rcs $@ $^

# The same for pakfire-repo (tests include "repo/addon-conf.h").
REPO_PARTS := $(filter-out $(BUILD)/obj/pakfire/repo/main.o,$(REPO_OBJ))
$(BUILD)/libpakfire-repo.a: $(REPO_PARTS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(BUILD)/libpakfire-cli.a $(BUILD)/libpakfire-repo.a \
		$(BUILD)/libpakfire.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -Ipakfire $(LDFLAGS) -o $@ $< $(BUILD)/libpakfire-cli.a \
		$(BUILD)/libpakfire-repo.a $(BUILD)/libpakfire.a $(PKG_LIBS) -lcmocka

unit: all $(UNIT_BIN)

# The sample's installed path, in the message of a missing pakfire.conf
# (ops/session.c). $(BUILD)/prefix holds the PREFIX it was built for and
# changes only when PREFIX does, so that `make PREFIX=/usr/local install`
# after `make` rebuilds session.o, and nothing else.
$(BUILD)/prefix: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' >$@
$(BUILD)/obj/pakfire/lib/ops/session.o: $(BUILD)/prefix
$(BUILD)/obj/pakfire/lib/ops/session.o: CFLAGS_ALL += -DPF_SAMPLE_CONF='"$(DOCDIR)/pakfire.conf.sample"'
FORCE:

# Installs what building and testing need (apt-get as root; otherwise prints
# the one command to run).
deps:
	@tests/deps.sh

# The two builds use every processor (CHECK_JOBS, default nproc): built one
# file at a time they took about 2 of the suite's 26 minutes.
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
check: deps
	$(MAKE) -j$(CHECK_JOBS) BUILD=build unit
	$(MAKE) -j$(CHECK_JOBS) BUILD=build-asan SANITIZE=1 OPT="-O1 -g" unit
	tests/run.sh build build-asan

demo: deps all
	tests/demo.sh build

# Benchmarks (issue 4): built and run by hand, never part of `make check`;
# the program prints its table and exits 1 when it misses its target.
BENCH_SRC := $(sort $(wildcard bench/bench-*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libpakfire.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $< $(BUILD)/libpakfire.a $(PKG_LIBS) -lm

# Then the apply benchmark (issue 6, as root: it installs pacman, bsdtar,
# strace and perf, and writes the "Apply" section of bench/RESULTS.md); a
# miss of the first does not skip the second, and the exit code is the
# first failure's. APPLY_ARGS: options of bench/apply/run.sh (--help). On a
# fresh machine, as root, `make bench` installs what it needs (deps, then
# bench/apply/deps.sh).
bench: deps all $(BENCH_BIN)
	@rc=0; for b in $(BENCH_BIN); do echo "== $$b"; $$b manifests || { [ $$rc -ne 0 ] || rc=$$?; }; done; \
	echo "== bench/apply/run.sh"; bench/apply/run.sh --build $(BUILD) $(APPLY_ARGS) || { [ $$rc -ne 0 ] || rc=$$?; }; \
	echo "== bench/restart/run.sh"; bench/restart/run.sh --build $(BUILD) || { [ $$rc -ne 0 ] || rc=$$?; }; \
	echo "== bench/status/run.sh"; bench/status/run.sh --build $(BUILD) || { [ $$rc -ne 0 ] || rc=$$?; }; \
	echo "== bench/download/run.sh"; bench/download/run.sh --build $(BUILD) || { [ $$rc -ne 0 ] || rc=$$?; }; \
	exit $$rc

# Programs, man pages, the sample configuration (always to the doc folder;
# to $(sysconfdir)/pakfire/pakfire.conf only when there is none: an
# admin's configuration is never overwritten), the JSON Schemas of --json
# and the bash completions. Folders of /etc/pakfire are made only when
# missing, so that an admin's modes stay.
COMPLETIONS := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ETC_PAKFIRE := $(DESTDIR)$(sysconfdir)/pakfire
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/pakfire $(DESTDIR)$(PREFIX)/sbin/pakfire
	install -m 0755 $(BUILD)/pakfire-repo $(DESTDIR)$(PREFIX)/bin/pakfire-repo
	install -d $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0644 docs/pakfire.8 $(DESTDIR)$(PREFIX)/share/man/man8/pakfire.8
	install -m 0644 docs/pakfire-repo.1 $(DESTDIR)$(PREFIX)/share/man/man1/pakfire-repo.1
	install -m 0644 docs/pakfire.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/pakfire.conf.5
	install -d $(DESTDIR)$(DOCDIR)
	install -m 0644 docs/pakfire.conf.sample $(DESTDIR)$(DOCDIR)/pakfire.conf.sample
	$(if $(wildcard docs/schemas/*.json),install -d $(DESTDIR)$(DOCDIR)/schemas)
	$(if $(wildcard docs/schemas/*.json),install -m 0644 $(wildcard docs/schemas/*.json) $(DESTDIR)$(DOCDIR)/schemas/)
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 0644 docs/systemd/pakfire-update.service docs/systemd/pakfire-update.timer \
		docs/cron/pakfire $(DESTDIR)$(DOCDIR)/examples/
	install -m 0755 docs/check_pakfire $(DESTDIR)$(DOCDIR)/examples/check_pakfire
	install -d $(COMPLETIONS)
	install -m 0644 pakfire/cli/pakfire.bash $(COMPLETIONS)/pakfire
	install -m 0644 pakfire/repo/pakfire-repo.bash $(COMPLETIONS)/pakfire-repo
	for d in $(ETC_PAKFIRE) $(ETC_PAKFIRE)/keys $(ETC_PAKFIRE)/hooks.d; do \
		[ -d "$$d" ] || install -d -m 0755 "$$d" || exit 1; \
	done
	@if [ -e $(ETC_PAKFIRE)/pakfire.conf ] || [ -L $(ETC_PAKFIRE)/pakfire.conf ]; then \
		echo "kept $(ETC_PAKFIRE)/pakfire.conf (the sample is $(DESTDIR)$(DOCDIR)/pakfire.conf.sample)"; \
	else \
		echo "install -m 0644 docs/pakfire.conf.sample $(ETC_PAKFIRE)/pakfire.conf"; \
		install -m 0644 docs/pakfire.conf.sample $(ETC_PAKFIRE)/pakfire.conf; \
	fi

clean:
	rm -rf build build-asan
