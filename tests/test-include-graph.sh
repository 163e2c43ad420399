#!/bin/sh
# test-include-graph.sh - lib/ keeps the shape lib/README maps out
# (tools/include-graph): no include cycle, no include of a later stage,
# every file in the map.  And the check fails when any of these breaks,
# on copies of lib/ broken on purpose.  TAP on stdout.
. "$(dirname "$0")/tap.sh"
graph=$top/tools/include-graph

out=$(sh "$graph" "$top/lib")
ok $? "lib/ has no include cycle and no upward include" "$out"

# broken NAME FILE LINE: a copy of lib/ with LINE appended to FILE.
broken() {
	rm -rf "$tmp/$1"
	cp -R "$top/lib" "$tmp/$1"
	echo "$3" >> "$tmp/$1/$2"
}

# input.c (bytes) including handle.h (entry), whose handle.c includes
# input.h back: both faults are named.
broken up input.c '#include "handle.h"'
out=$(sh "$graph" "$tmp/up")
[ $? -eq 1 ] &&
    echo "$out" | grep -q 'input.c includes handle.h: bytes includes entry' &&
    echo "$out" | grep -q 'handle.c includes input.h' &&
    echo "$out" | grep -q ' [1-9][0-9]* include cycles, 1 upward includes'
ok $? "an upward include and the cycle it closes fail" "$out"

# Two headers of one module including each other.
broken headers sentlog.h '#include "sentlog-backend.h"'
out=$(sh "$graph" "$tmp/headers")
[ $? -eq 1 ] && echo "$out" | grep -q 'sentlog.h includes sentlog-backend.h'
ok $? "a cycle of headers within a module fails" "$out"

broken unmapped extra.c '#include "rules.h"'
out=$(sh "$graph" "$tmp/unmapped")
[ $? -eq 1 ] && echo "$out" | grep -q 'extra.c is in no stage of README'
ok $? "a file the map does not list fails" "$out"

rm "$tmp/unmapped/extra.c" "$tmp/unmapped/fdio.c"
out=$(sh "$graph" "$tmp/unmapped")
[ $? -eq 1 ] && echo "$out" | grep -q 'README lists fdio.c, which is not here'
ok $? "a file the map lists that is gone fails" "$out"

finish
