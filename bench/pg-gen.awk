# pg-gen.awk - the rows of a bench sent log, for PostgreSQL's COPY.
#
# awk -v what=messages|recipients -v n=MESSAGES -v mailboxes=M
#     [-v hashed=1] -f bench/pg-gen.awk
# Message i (Message-ID I.J@mNNNNN.example.org, J = I * 7919 % 1000003)
# belongs to mailbox i % M (named mNNNNN), was sent at 2026-12-01 less
# i * 7919 % (450 days) seconds, and went to friendK@example.net (K =
# i % 100), and for every third message to otherL@example.com too;
# bench/pg-lookup.c makes the same keys.
# hashed=1 writes 64 hex digits where a key would be (what a keyed hash
# stores) and neither sender nor subject.  Tab-separated, \N for NULL.
function key(s) {
	if (!hashed)
		return s
	# Not the HMAC (awk has none): as long and as random-looking.
	return sprintf("%08x%08x%08x%08x%08x%08x%08x%08x", rnd(), rnd(),
	    rnd(), rnd(), rnd(), rnd(), rnd(), rnd())
}
function rnd() { return int(rand() * 4294967296) }
BEGIN {
	OFS = "\t"
	srand(1)
	end = 1796083200	# 2026-12-01 00:00:00 UTC
	span = 450 * 86400
	for (i = 1; i <= n; i++) {
		mb = sprintf("m%05d", i % mailboxes)
		date = end - int((i * 7919) % span)
		if (what == "messages") {
			mid = key(sprintf("%d.%d@%s.example.org", i,
			    (i * 7919) % 1000003, mb))
			print i, mb, mid, "f", date,
			    hashed ? "\\N" : mb "@example.org",
			    hashed ? "\\N" : "message " i
		} else {
			print i, mb, key(sprintf("friend%d@example.net", i % 100)), date, "f"
			if (i % 3 == 0)
				print i, mb, key(sprintf("other%d@example.com", i % 97)), date, "f"
		}
	}
}
