# ndrcheck - GNU Makefile.  See README.md: `make check` and `make demo` do
# all set-up on a fresh Debian 12 machine.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
RULESDIR ?= $(DATADIR)/ndrcheck/rules
DESTDIR ?=

VERSION := 0.1.0
SOVERSION := 0

PKGS := gmime-3.0 glib-2.0 libpcre2-8 sqlite3 json-glib-1.0 opendkim libpq
# Debian 12 packages providing $(PKGS), and the tools the build needs.
DEBS := libgmime-3.0-dev libglib2.0-dev libpcre2-dev libsqlite3-dev \
	libjson-glib-dev libopendkim-dev libpq-dev pkg-config gcc make

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
ifdef WERROR
WARN += -Werror
endif
ifdef SANITIZE
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD := build/sanitize
else
BUILD := build/normal
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC $(WARN) $(CFLAGS) -Ilib \
	$(PKG_CFLAGS)
LIBS = $(PKG_LIBS) -lresolv -lpthread

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
BIN_SRC := $(sort $(wildcard bin/*.c))
BIN_OBJ := $(BIN_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/test-*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)

SONAME := libndrcheck.so.$(SOVERSION)
STATIC := $(BUILD)/libndrcheck.a
SHARED := $(BUILD)/$(SONAME)

.PHONY: all deps check check-unit check-integration demo install uninstall \
	clean fuzz bench format

all: deps-quiet $(STATIC) $(SHARED) libndrcheck.a $(SONAME) bin/ndrcheck \
	ndrcheck.pc

# The build tree's products at the top, where README and tools expect them.
libndrcheck.a: $(STATIC)
	ln -sf $< $@
$(SONAME): $(SHARED)
	ln -sf $< $@
	ln -sf $@ libndrcheck.so

$(BUILD)/%.o: %.c $(wildcard lib/*.h) $(wildcard bin/*.h) | deps-quiet
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The installation paths built into the files: the rules folder in
# config.o, the prefix and folders in ndrcheck.pc.  PATHS changes whenever
# one of them does, so that `make` then `make install PREFIX=/opt/x`
# rebuilds what names them and installs files that agree with where they
# are.  DESTDIR is not one: it only stages the files.
PATHS := $(BUILD)/paths
$(PATHS): FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(RULESDIR)' > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@
$(BUILD)/lib/config.o: ALL_CFLAGS += -DNDR_RULES_DIR='"$(RULESDIR)"'
$(BUILD)/lib/config.o: $(PATHS)

$(STATIC): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# Only the ndrcheck_* interface of ndrcheck.h is exported (the version
# script), so that programs cannot come to depend on the internals.
$(SHARED): $(LIB_OBJ) lib/libndrcheck.sym
	$(CC) -shared -Wl,-soname,$(SONAME) \
	    -Wl,--version-script=lib/libndrcheck.sym $(LDFLAGS) -o $@ \
	    $(LIB_OBJ) $(LIBS)

# The command links the static library: an installed ndrcheck then runs in
# the bare environment of a delivery agent (no LD_LIBRARY_PATH) whatever
# PREFIX was, and starts without resolving a shared library of its own.
$(BUILD)/bin/ndrcheck: $(BIN_OBJ) $(STATIC)
	$(CC) $(LDFLAGS) -o $@ $(BIN_OBJ) $(STATIC) $(LIBS)

# Copied whenever it differs, so that switching between the normal and the
# sanitizer build never leaves the other one's binary in place.
# Replaced by rename: a running ndrcheck (a test, a delivery) keeps its file.
bin/ndrcheck: $(BUILD)/bin/ndrcheck FORCE
	@cmp -s $< $@ || { cp $< $@.new && mv -f $@.new $@; }
FORCE:

$(BUILD)/tests/%: tests/%.c $(STATIC) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -DNDR_SRCDIR='"$(CURDIR)"' -o $@ $< \
	    $(STATIC) $(LIBS) $(LDFLAGS)

# Made every time and replaced only when it differs, as PATHS is: what
# it says then never rests on file times (a clock set back, a copied
# tree), only on the folders make is given now.
ndrcheck.pc: ndrcheck.pc.in FORCE
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@PKGS@|$(PKGS)|' $< > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@

# `make deps`: install what pkg-config cannot find (as root), or say what to.
deps:
	@sh tools/deps.sh $(DEBS)
deps-quiet:
	@pkg-config --exists $(PKGS) || sh tools/deps.sh $(DEBS)

# deps first, then the build: as prerequisites of one rule, `make -j`
# would run deps beside all's deps-quiet, two apt-gets on one fresh machine.
check: deps
	@$(MAKE) --no-print-directory all $(TEST_BIN)
	@sh tests/run $(BUILD)

check-integration: all
	@sh tests/integration/run

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tools/demo.sh

bench: all
	@sh bench/latency

# libFuzzer targets (clang); FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: deps
	@sh fuzz/run $(FUZZ_SECONDS)

# Every file install puts in place, without DESTDIR; uninstall removes
# exactly these (and the rules folder, which is ndrcheck's own).
RULE_FILES := $(notdir $(wildcard rules/*.rules))
MAN1 := $(notdir $(wildcard man/*.1))
MAN3 := $(notdir $(wildcard man/*.3))
MAN5 := $(notdir $(wildcard man/*.5))
INSTALLED := $(BINDIR)/ndrcheck $(LIBDIR)/libndrcheck.a \
	$(LIBDIR)/$(SONAME) $(LIBDIR)/libndrcheck.so \
	$(INCLUDEDIR)/ndrcheck.h $(LIBDIR)/pkgconfig/ndrcheck.pc \
	$(RULE_FILES:%=$(RULESDIR)/%) $(MAN1:%=$(MANDIR)/man1/%) \
	$(MAN3:%=$(MANDIR)/man3/%) $(MAN5:%=$(MANDIR)/man5/%)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(RULESDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man5
	install -m 755 bin/ndrcheck $(DESTDIR)$(BINDIR)/ndrcheck
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libndrcheck.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libndrcheck.so
	install -m 644 lib/ndrcheck.h $(DESTDIR)$(INCLUDEDIR)/ndrcheck.h
	install -m 644 ndrcheck.pc $(DESTDIR)$(LIBDIR)/pkgconfig/ndrcheck.pc
	install -m 644 rules/*.rules $(DESTDIR)$(RULESDIR)/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/

# The folders bin/, lib/, man/man1/ ... are shared with other packages and
# stay; only ndrcheck's own rules folder goes, if nothing else is in it.
uninstall:
	rm -f $(INSTALLED:%=$(DESTDIR)%)
	rmdir $(DESTDIR)$(RULESDIR) $(DESTDIR)$(dir $(RULESDIR)) 2> /dev/null || :

format:
	clang-format -i lib/*.[ch] bin/*.c tests/*.[ch]

clean:
	rm -rf build bin/ndrcheck libndrcheck.a libndrcheck.so $(SONAME) \
	    ndrcheck.pc
