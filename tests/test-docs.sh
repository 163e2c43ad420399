#!/bin/sh
# test-docs.sh - the project's documents are its contract, so every
# reference in them resolves inside the project.  TAP on stdout.
#
# No file cites a document the project does not ship (a "SPEC", section
# numbers of a header), and every manual page cited as ndrcheck*(N) or
# libndrcheck(N) is one of man/.  The shared library exports exactly the
# functions ndrcheck.h declares, and libndrcheck(3) documents each one:
# in NAME, in SYNOPSIS and in the text.
. "$(dirname "$0")/tap.sh"
cd "$top" || exit 1

shipped="lib bin man tests rules examples README.md SECURITY.md Makefile"

# The word SPEC as a citation; SUSPECT and the like are not one.
grep -rnwI --exclude=test-docs.sh SPEC $shipped > "$tmp/spec"
[ ! -s "$tmp/spec" ]
ok $? "no citation of a SPEC file" "$(head -n 3 "$tmp/spec")"

grep -rniEI --exclude=test-docs.sh 'ndrlimits\.h,? *(section|§) *[0-9]' $shipped \
    > "$tmp/sect"
[ ! -s "$tmp/sect" ]
ok $? "no section numbers of ndrlimits.h" "$(head -n 3 "$tmp/sect")"

# Every page of ours that is cited exists.
grep -rhoEI '\b(lib)?ndrcheck(-[a-z]+|\.[a-z]+)?\([0-9]\)' $shipped |
    sort -u > "$tmp/cited"
missing=
while read -r page; do
	name=${page%(*} sect=${page#*(}
	sect=${sect%)}
	[ -f "man/$name.$sect" ] || missing="$missing $page"
done < "$tmp/cited"
[ -s "$tmp/cited" ] && [ -z "$missing" ]
ok $? "every manual page cited is in man/" "missing:$missing"
# The functions of ndrcheck.h, its comments left out by the preprocessor.
cpp -P lib/ndrcheck.h | grep -oE '\bndrcheck_[a-z_]+ *\(' | tr -d ' (' |
    sort -u > "$tmp/declared"
[ "$(wc -l < "$tmp/declared")" -gt 20 ]
ok $? "ndrcheck.h declares the interface ($(wc -l < "$tmp/declared") functions)"

so=${BUILD:-build/normal}/libndrcheck.so.0
if [ -f "$so" ]; then
	nm -D --defined-only "$so" | awk '{ print $3 }' | grep -v '^$' |
	    sort -u > "$tmp/exported"
	diff "$tmp/declared" "$tmp/exported" > "$tmp/diff"
	ok $? "libndrcheck.so exports exactly the functions of ndrcheck.h" \
	    "$(grep '^[<>]' "$tmp/diff" | head -n 5 | tr '\n' ' ')"
else
	n=$((n + 1))
	echo "ok $n - exported symbols # SKIP $so not built"
fi

undocumented=
while read -r f; do
	grep -qE "^\.Nm $f( ,)?\$" man/libndrcheck.3 &&
	    grep -qE "^\.Fn $f (\"|void\$)" man/libndrcheck.3 &&
	    [ "$(grep -cE "^\.Fn $f( |\$)" man/libndrcheck.3)" -ge 2 ] ||
	    undocumented="$undocumented $f"
done < "$tmp/declared"
[ -z "$undocumented" ]
ok $? "libndrcheck(3) documents every function of ndrcheck.h" \
    "not in NAME, SYNOPSIS and the text:$undocumented"
finish
