#!/bin/sh
# test-readme.sh - the recipes quoted in README.md and in the EXAMPLES of
# man/ndrcheck.1 are the files of examples/, byte for byte, and the
# library example builds and runs.
#
# examples/ holds the recipe files that tests/integration/run proves in
# the real delivery agents; a quote that drifted from them would hand users
# an untested recipe.  A quote is marked by the line
#	<!-- file: examples/PATH -->		(README.md, before a ``` fence)
#	.\" file: examples/PATH			(ndrcheck.1, before .Bd/.nf/.EX)
# Run from the top of the tree (tests/run does); BUILD is the build dir.
LC_ALL=C
export LC_ALL
build=${BUILD:-build/normal}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {		# not_ok NAME [DIAGNOSTIC-FILE]
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	[ -n "${2:-}" ] && sed 's/^/#   /' "$2" | head -n 20
	return 0
}

# extract_md FILE DIR: each quote of FILE as DIR/N (its text) and
# DIR/N.path (what it quotes).
extract_md() {
	awk -v dir="$2" '
	match($0, /^<!-- file: [^ ]+ -->$/) {
		k++
		path = substr($0, 12, length($0) - 15)
		print path > (dir "/" k ".path")
		printf "" > (dir "/" k)
		state = 1
		next
	}
	state == 1 { state = ($0 ~ /^```/) ? 2 : 0; next }
	state == 2 && $0 == "```" { state = 0; next }
	state == 2 { print > (dir "/" k) }' "$1"
}

# extract_man FILE DIR: the same for roff: after the marker, requests
# (.Bd -literal, .nf, .EX, .in) open the block, and .fi, .Ed or .EE end
# it; roff escapes are undone.
extract_man() {
	awk -v dir="$2" '
	function unroff(s) {
		gsub(/\\&/, "", s)
		gsub(/\\\(aq/, "\047", s)
		gsub(/\\\(dq/, "\"", s)
		gsub(/\\\(ga/, "`", s)
		gsub(/\\\(ti/, "~", s)
		gsub(/\\\(ha/, "^", s)
		gsub(/\\-/, "-", s)
		gsub(/\\e/, "\\", s)
		return s
	}
	/^\.\\" file: [^ ]+$/ {
		k++
		print substr($0, 11) > (dir "/" k ".path")
		printf "" > (dir "/" k)
		state = 1
		next
	}
	state == 1 && /^\./ { next }
	state == 1 { state = 2 }
	state == 2 && ($0 == ".fi" || $0 == ".Ed" || $0 == ".EE") {
		state = 0
		next
	}
	state == 2 { print unroff($0) > (dir "/" k) }' "$1"
}

# compare_quotes DOC DIR: one TAP line per quote.
compare_quotes() {
	for p in "$2"/*.path; do
		[ -f "$p" ] || continue
		path=$(cat "$p")
		q=${p%.path}
		name="$1 quotes $path exactly"
		if [ ! -f "$path" ]; then
			echo "$path does not exist" > "$tmp/diag"
			not_ok "$name" "$tmp/diag"
		elif cmp -s "$q" "$path"; then
			ok "$name"
		else
			diff -u "$path" "$q" > "$tmp/diag"
			not_ok "$name" "$tmp/diag"
		fi
	done
}

mkdir "$tmp/readme" "$tmp/man"
extract_md README.md "$tmp/readme"
compare_quotes README.md "$tmp/readme"

# Every example is in the README: users copy from there.
cat "$tmp"/readme/*.path 2>/dev/null | sort -u > "$tmp/quoted"
find examples -type f | sort > "$tmp/examples"
if [ -s "$tmp/examples" ] &&
    [ -z "$(comm -23 "$tmp/examples" "$tmp/quoted")" ]; then
	ok "README.md quotes every file of examples/"
else
	comm -23 "$tmp/examples" "$tmp/quoted" |
	    sed 's/^/not quoted: /' > "$tmp/diag"
	not_ok "README.md quotes every file of examples/" "$tmp/diag"
fi

# The man page quotes the recipes (every one of them: users read it too).
if [ -f man/ndrcheck.1 ]; then
	extract_man man/ndrcheck.1 "$tmp/man"
	compare_quotes man/ndrcheck.1 "$tmp/man"
	cat "$tmp"/man/*.path 2>/dev/null | sort -u > "$tmp/quoted"
	grep -v -e '^examples/config$' -e '^examples/library/' \
	    "$tmp/examples" > "$tmp/recipes"
	if [ -z "$(comm -23 "$tmp/recipes" "$tmp/quoted")" ]; then
		ok "man/ndrcheck.1 EXAMPLES quotes every recipe of examples/"
	else
		comm -23 "$tmp/recipes" "$tmp/quoted" |
		    sed 's/^/not quoted (mark it .\\" file: PATH): /' \
		    > "$tmp/diag"
		not_ok "man/ndrcheck.1 EXAMPLES quotes every recipe of examples/" \
		    "$tmp/diag"
	fi
else
	n=$((n + 1))
	echo "ok $n - man/ndrcheck.1 quotes examples/ # SKIP not written yet"
fi

# The library example, built as README says but against the build tree,
# and run with an empty home: with no sent log, a bounce is unknown.
# (Built under $build so that it finds the tree's rules, as the tests do.)
name="examples/library/verdict.c builds and classifies"
if [ ! -f "$build/libndrcheck.a" ] || [ ! -f ndrcheck.pc ]; then
	n=$((n + 1))
	echo "ok $n - $name # SKIP not built (make)"
else
	mkdir -p "$build/examples" "$tmp/home"
	# A sanitizer build's library needs the sanitizers at link time.
	san=
	nm "$build/libndrcheck.a" 2> /dev/null | grep -q __asan_ &&
	    san="-fsanitize=address,undefined"
	m=testdata/set-of-emails/maildir
	# shellcheck disable=SC2046 # pkg-config prints several words
	if ${CC:-cc} -std=c11 -Wall -Wextra -Werror $san -Ilib \
	    -o "$build/examples/verdict" examples/library/verdict.c \
	    "$build/libndrcheck.a" $(pkg-config --libs $(sed -n \
	    's/^Requires.private: //p' ndrcheck.pc)) \
	    $(sed -n 's/^Libs.private: //p' ndrcheck.pc) -lpthread \
	    > "$tmp/diag" 2>&1 &&
	    env -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u NDRCHECK_DB \
	    HOME="$tmp/home" "$build/examples/verdict" \
	    $m/bsd/lhost-sendmail-01.eml $m/not/is-not-bounce-01.eml \
	    > "$tmp/out" 2>> "$tmp/diag" &&
	    cut -f 1,2 "$tmp/out" > "$tmp/got" &&
	    printf '%s\tunknown\n%s\tnot-bounce\n' \
	    $m/bsd/lhost-sendmail-01.eml $m/not/is-not-bounce-01.eml \
	    > "$tmp/want" && cmp -s "$tmp/want" "$tmp/got"; then
		ok "$name"
	else
		cat "$tmp/out" >> "$tmp/diag" 2>/dev/null
		not_ok "$name" "$tmp/diag"
	fi
fi

echo "1..$n"
[ "$failed" = 0 ]
