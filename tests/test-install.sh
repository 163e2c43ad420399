#!/bin/sh
# test-install.sh - `make install` and `make uninstall` as a user runs
# them: build first, install elsewhere after.  TAP on stdout.
#
# A copy of the built tree (sources and BUILD's objects, timestamps kept)
# is installed with PREFIX given only to `make install`, then with
# DESTDIR and another PREFIX and moved into place as a package would be.
# Each time the installed binary classifies a bounce in a bare
# environment (no variable but HOME and USER) with its installed rules,
# and fails once they are gone; ndrcheck.pc names the prefix; a program
# builds against it.  `make uninstall` leaves none of our files behind.
. "$(dirname "$0")/tap.sh"
build=${BUILD:-build/normal}
bounce=$top/testdata/set-of-emails/maildir/bsd/lhost-sendmail-01.eml
mode=
case $build in *sanitize*) mode=SANITIZE=1 ;; esac

src=$tmp/src
mkdir -p "$src/$build" "$tmp/home"
(cd "$top" && cp -a Makefile ndrcheck.pc.in lib bin rules man tools \
    examples "$src/" && cp -a "$build/lib" "$build/bin" "$build/paths" \
    "$build"/libndrcheck.* "$src/$build/") ||
    { echo "1..0 # SKIP $build is not a complete build"; exit 0; }

mk() {	# mk ARGS...: make in the copy, quietly
	make -s -C "$src" $mode "$@" > "$tmp/make.out" 2>&1 ||
	    { cat "$tmp/make.out"; return 1; }
}

mk
ok $? "make in the copy of the built tree"

# runs_from PREFIX WHAT: the binary under PREFIX classifies with the rules
# under PREFIX, and only those.
runs_from() {
	env -i HOME="$tmp/home" USER=tester "$1/bin/ndrcheck" \
	    --db "$tmp/none.db" "$bounce" 2> "$tmp/err"
	rc=$?
	[ "$rc" -eq 3 ]
	ok $? "$2: the installed ndrcheck classifies (exit $rc, want 3)" \
	    "$(cat "$tmp/err")"
	mv "$1/share/ndrcheck/rules" "$1/share/ndrcheck/rules.gone"
	env -i HOME="$tmp/home" USER=tester "$1/bin/ndrcheck" \
	    --db "$tmp/none.db" "$bounce" 2> "$tmp/err"
	rc=$?
	mv "$1/share/ndrcheck/rules.gone" "$1/share/ndrcheck/rules"
	[ "$rc" -eq 75 ] && grep -q "$1/share/ndrcheck/rules" "$tmp/err"
	ok $? "$2: without its installed rules it says so (exit $rc, want 75)" \
	    "$(cat "$tmp/err")"
}

# pc_names PREFIX WHAT: the installed ndrcheck.pc describes PREFIX.
pc_names() {
	got=$(PKG_CONFIG_PATH=$1/lib/pkgconfig pkg-config --variable=prefix \
	    ndrcheck)/$(PKG_CONFIG_PATH=$1/lib/pkgconfig pkg-config \
	    --variable=libdir ndrcheck)
	[ "$got" = "$1/$1/lib" ]
	ok $? "$2: ndrcheck.pc names the prefix ($got)"
}

stage=$tmp/stage
mk install PREFIX="$stage"
ok $? "make install PREFIX=stage after make"
runs_from "$stage" "PREFIX after make"
pc_names "$stage" "PREFIX after make"

# A program built with the installed ndrcheck.pc runs on its library.
if [ -z "$mode" ]; then
	PKG_CONFIG_PATH=$stage/lib/pkgconfig
	export PKG_CONFIG_PATH
	# shellcheck disable=SC2046
	cc -o "$tmp/verdict" "$top/examples/library/verdict.c" \
	    $(pkg-config --cflags --libs ndrcheck) 2> "$tmp/err" &&
	    env -i HOME="$tmp/home" LD_LIBRARY_PATH="$stage/lib" \
		"$tmp/verdict" "$bounce" > "$tmp/out" 2>> "$tmp/err" &&
	    grep -q '	unknown	' "$tmp/out"
	ok $? "a program built with the installed ndrcheck.pc runs" \
	    "$(cat "$tmp/err")"
	unset PKG_CONFIG_PATH
fi

mk uninstall PREFIX="$stage"
ok $? "make uninstall PREFIX=stage"
left=$(find "$stage" ! -type d)
[ -z "$left" ] && [ ! -e "$stage/share/ndrcheck" ]
ok $? "uninstall leaves none of our files" "left: $left"

# A package: staged under DESTDIR for another PREFIX, then moved there.
final=$tmp/final dest=$tmp/dest
mk install DESTDIR="$dest" PREFIX="$final"
ok $? "make install DESTDIR=dest PREFIX=final"
[ ! -e "$final" ] && ! grep -rqF "$dest" "$dest$final"
ok $? "DESTDIR stages the files and is named in none of them"
mk uninstall DESTDIR="$dest" PREFIX="$final"
[ -z "$(find "$dest" ! -type d)" ]
ok $? "make uninstall DESTDIR=dest PREFIX=final empties the stage"
mk install DESTDIR="$dest" PREFIX="$final" && mv "$dest$final" "$final"
runs_from "$final" "DESTDIR, then moved into place"
pc_names "$final" "DESTDIR, then moved into place"
finish
