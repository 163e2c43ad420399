#!/bin/sh
# test-dkim.sh - the user's own DKIM signature in the returned message
# (ndrcheck(1) HOW IT DECIDES, ndrcheck.conf(5) dkim_domains).  TAP.
#
# Keys are made here with openssl; the original is signed by a real
# signer (dkimsign of python3-dkim) with rsa-sha256 and ed25519-sha256,
# then bounced in the forms real mailers use.  The sent log is empty
# throughout: the signature alone must decide.
set -u
. "$(dirname "$0")/tap.sh"

. "$(dirname "$0")/dkim-fixtures.sh"
need openssl /usr/bin/dkimsign
db=$tmp/none.db
make_keys
conf "$keys"

# verdict NAME WANT FILE [GREP]: the verdict is WANT, and GREP (when
# given) is in the evidence.
verdict() {
	out=$("$nd" --config "$tmp/conf" --db "$db" --json "$3" 2>&1)
	case $out in
	*'"verdict":"'"$2"'"'*) case $out in *"${4:-}"*) ok 0 "$1" ;;
		*) ok 1 "$1" "got: $out" ;; esac ;;
	*) ok 1 "$1" "got: $out" ;;
	esac
}

original jan@example.org 20261120.abc@example.org > "$tmp/plain.eml"
sign s1 example.org "$tmp/rsa.pem" < "$tmp/plain.eml" > "$tmp/rsa.eml"
sign --signalg ed25519-sha256 --hcanon simple --bcanon relaxed \
    s2 example.org "$tmp/ed.seed" < "$tmp/plain.eml" > "$tmp/ed.eml"

dsn message/rfc822 "$tmp/rsa.eml" > "$tmp/b1.eml"
verdict "full message/rfc822 return, rsa-sha256 relaxed/simple" genuine \
    "$tmp/b1.eml" "valid DKIM signature of example.org (selector s1; body verified)"
dsn message/rfc822 "$tmp/ed.eml" > "$tmp/b2.eml"
verdict "full message/rfc822 return, ed25519-sha256 simple/relaxed" genuine \
    "$tmp/b2.eml" "(selector s2; body verified)"
headers "$tmp/rsa.eml" > "$tmp/rsa.hdr"
dsn text/rfc822-headers "$tmp/rsa.hdr" > "$tmp/b3.eml"
verdict "text/rfc822-headers: the header signature alone" genuine \
    "$tmp/b3.eml" "(selector s1; body not returned)"

# The same return with its Subject changed: the signature proves nothing.
sed 's/^Subject: Hello/Subject: Hullo/' "$tmp/b1.eml" > "$tmp/b4.eml"
verdict "a changed header field breaks the signature" unknown "$tmp/b4.eml"

# Item 2: absence.  A forged bounce: the original never went through the
# signer (no signature), From one of our addresses.
original jan@example.org forged.1@example.org |
    sed '1i Received: from spam.example.com by mx.example.net; Fri, 20 Nov 2026 09:59:00 +0000' \
    > "$tmp/forged.eml"
dsn message/rfc822 "$tmp/forged.eml" > "$tmp/f1.eml"
verdict "forged, complete block, empty log: backscatter" backscatter \
    "$tmp/f1.eml" "carries no DKIM signature of example.org"
headers "$tmp/forged.eml" > "$tmp/forged.hdr"
dsn text/rfc822-headers "$tmp/forged.hdr" > "$tmp/f2.eml"
verdict "forged, text/rfc822-headers, empty log: backscatter" backscatter \
    "$tmp/f2.eml"
prose "$tmp/forged.eml" > "$tmp/f3.eml"
verdict "forged, quoted by a prose NDR, empty log: backscatter" backscatter \
    "$tmp/f3.eml"
# Cut: the bouncer returned a few fields only (no Received, no Date).
grep -E '^(From|To|Subject|Message-ID):' "$tmp/forged.eml" > "$tmp/cut.hdr"
dsn text/rfc822-headers "$tmp/cut.hdr" > "$tmp/f4.eml"
verdict "forged, cut header block: unknown" unknown "$tmp/f4.eml" \
    "a missing DKIM signature of example.org proves nothing"
# A signature of ours that fails is weaker than none: cannot tell.
verdict "a failing signature of ours, empty log: unknown" unknown \
    "$tmp/b4.eml" "does not verify"
# A feedback report need not return every field: absence proves nothing.
sed -e 's/report-type=delivery-status/report-type=feedback-report/' \
    -e 's|message/delivery-status|message/feedback-report|' \
    -e 's/^Reporting-MTA: .*/Feedback-Type: abuse/' "$tmp/f1.eml" > "$tmp/f5.eml"
verdict "forged, in a feedback report: not backscatter" unknown "$tmp/f5.eml"
# The user's own From at another domain, or someone else's: not this rule.
original jan@example.net forged.2@example.net |
    sed '1i Received: from spam.example.com by mx.example.net; Fri, 20 Nov 2026 09:59:00 +0000' \
    > "$tmp/other.eml"
dsn message/rfc822 "$tmp/other.eml" > "$tmp/f6.eml"
out=$("$nd" --config "$tmp/conf" --db "$db" -v "$tmp/f6.eml" 2>&1)
case $out in *"no DKIM signature"*) r=1 ;; *) r=0 ;; esac
ok $r "a From outside dkim_domains is not judged by its signature" "got: $out"

# With a sent log: its genuine stands against a missing signature; a
# valid signature overturns its backscatter.
"$nd" record --db "$tmp/sent.db" "$tmp/forged.eml" "$tmp/other.eml"
db=$tmp/sent.db
verdict "sent log genuine, no signature: genuine" genuine "$tmp/f1.eml" \
    "the sent log's record stands"
verdict "not in the sent log, valid signature: genuine" genuine "$tmp/b1.eml" \
    "valid DKIM signature of example.org"
db=$tmp/none.db

# Item 5: the forms bouncers return, and bad input.
prose "$tmp/rsa.eml" > "$tmp/p1.eml"
verdict "a prose NDR quoting the signed original: genuine" genuine \
    "$tmp/p1.eml" "valid DKIM signature of example.org (selector s1"
# refold: unfold every field, then fold it anew at the first space past
# column 40, as some bouncers rewrite a header block.
refold() {
	awk 'body { print; next }
	/^$/ { if (line != "") print fold(line); line = ""; body = 1; print; next }
	/^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
	{ if (line != "") print fold(line); line = $0 }
	END { if (line != "" && !body) print fold(line) }
	function fold(s,   out, i) {
		out = ""
		while (length(s) > 40 && (i = index(substr(s, 41), " ")) > 0) {
			out = out substr(s, 1, 40 + i - 1) "\n\t"
			s = substr(s, 40 + i + 1)
		}
		return out s
	}' "$1"
}
headers "$tmp/rsa.eml" | refold /dev/stdin > "$tmp/refolded.hdr"
cmp -s "$tmp/refolded.hdr" "$tmp/rsa.hdr"
ok $((! $?)) "the refolded block differs from the signed one"
dsn text/rfc822-headers "$tmp/refolded.hdr" > "$tmp/p2.eml"
verdict "a refolded header block, relaxed header canonicalisation: genuine" \
    genuine "$tmp/p2.eml" "(selector s1; body not returned)"
headers "$tmp/ed.eml" | refold /dev/stdin > "$tmp/refolded-simple.hdr"
dsn text/rfc822-headers "$tmp/refolded-simple.hdr" > "$tmp/p3.eml"
verdict "a refolded block, simple header canonicalisation: not proof" \
    unknown "$tmp/p3.eml" "(selector s2) does not verify"
sed '$d' "$tmp/rsa.eml" > "$tmp/rsa-cut.eml"
dsn message/rfc822 "$tmp/rsa-cut.eml" > "$tmp/p4.eml"
verdict "a cut body: the header fields verified alone" genuine \
    "$tmp/p4.eml" "(selector s1; body cut or changed: the header fields verified alone)"

# Several signatures, one of them with a key file that is not a key.
sign --signalg ed25519-sha256 s2 example.org "$tmp/ed.seed" < "$tmp/rsa.eml" |
    sed 1d > "$tmp/both.eml"
dsn message/rfc822 "$tmp/both.eml" > "$tmp/p5.eml"
mkdir -p "$tmp/badkeys"
echo 'v=DKIM1; k=rsa; p=this+is+not+a+key' > "$tmp/badkeys/s1._domainkey.example.org"
cp "$keys/s2._domainkey.example.org" "$tmp/badkeys/"
conf "$tmp/badkeys"
verdict "two signatures, one key file not a key: the other one proves" \
    genuine "$tmp/p5.eml" "(selector s1) cannot be checked"
verdict "a key file that is not a key: cannot tell" unknown "$tmp/b1.eml" \
    "(selector s1) cannot be checked"
conf "$keys"

# sigfield FILE FIELD: FILE with its first DKIM-Signature replaced.
sigfield() {
	awk -v f="$2" '/^DKIM-Signature:/ && !done { print f; skip = 1; done = 1; next }
	skip && /^[ \t]/ { next } { skip = 0; print }' "$1"
}
sigfield "$tmp/rsa.eml" 'DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1; b=!!garbage!!' \
    > "$tmp/malformed.eml"
dsn message/rfc822 "$tmp/malformed.eml" > "$tmp/p6.eml"
verdict "a malformed signature: cannot tell, never backscatter" unknown \
    "$tmp/p6.eml"
sigfield "$tmp/rsa.eml" "$(sed -n '/^DKIM-Signature:/,/^[^ ]/p' "$tmp/rsa.eml" |
    sed '$d' | sed 's/a=rsa-sha256/a=rsa-sha512/')" > "$tmp/alg.eml"
dsn message/rfc822 "$tmp/alg.eml" > "$tmp/p7.eml"
verdict "an unknown algorithm: cannot tell" unknown "$tmp/p7.eml" \
    "signature algorithm invalid"
sign --signalg rsa-sha1 s1 example.org "$tmp/rsa.pem" < "$tmp/plain.eml" \
    > "$tmp/sha1.eml"
dsn message/rfc822 "$tmp/sha1.eml" > "$tmp/p8.eml"
verdict "rsa-sha1 is no proof" unknown "$tmp/p8.eml" "rsa-sha1 is not accepted"

# A pile of signatures of ours: only the first NDR_MAX_DKIM_SIGNATURES
# are checked, however many a sender adds.
{
	sed -n 1p "$tmp/rsa.eml"
	i=0
	while [ $i -lt 20 ]; do
		echo "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=example.org; s=s1; h=from; bh=$(printf '%032d' 0 | base64 -w0); b=$(printf '%0256d' $i | base64 -w0)"
		i=$((i + 1))
	done
	sed 1d "$tmp/rsa.eml"
} > "$tmp/pile.eml"
dsn message/rfc822 "$tmp/pile.eml" > "$tmp/p11.eml"
verdict "twenty signatures before the valid one: cannot tell" unknown \
    "$tmp/p11.eml" "only the first 8 signatures of our domains are checked"

# A key in the zone file form opendkim-genkey writes.
if command -v opendkim-genkey > /dev/null 2>&1; then
	opendkim-genkey -b 2048 -d example.org -s s3 -D "$tmp"
	cp "$tmp/s3.txt" "$keys/s3._domainkey.example.org"
	sign s3 example.org "$tmp/s3.private" < "$tmp/plain.eml" > "$tmp/s3.eml"
	dsn message/rfc822 "$tmp/s3.eml" > "$tmp/p9.eml"
	verdict "a key file as opendkim-genkey writes it" genuine "$tmp/p9.eml" \
	    "(selector s3; body verified)"
else
	ok 0 "a key file as opendkim-genkey writes it # SKIP no opendkim-genkey"
fi

# DNS, from a responder on 127.0.0.1 started here.
trap 'kill $dnspid 2> /dev/null; rm -rf "$tmp"' EXIT
dns "$keys" || { echo "not ok - the DNS responder did not start"; exit 1; }
verdict "a key from DNS: genuine" genuine "$tmp/b1.eml" "(selector s1; body verified)"
sigfield "$tmp/rsa.eml" "$(sed -n '/^DKIM-Signature:/,/^[^ ]/p' "$tmp/rsa.eml" |
    sed '$d' | sed 's/s=s1;/s=nokey;/')" > "$tmp/nokey.eml"
dsn message/rfc822 "$tmp/nokey.eml" > "$tmp/p10.eml"
verdict "no such key in DNS: cannot tell" unknown "$tmp/p10.eml" \
    "DNS has no key nokey._domainkey.example.org"
kill $dnspid
dns --silent || { echo "not ok - the DNS responder did not start"; exit 1; }
verdict "a key from DNS is cached for its TTL" genuine "$tmp/b1.eml" \
    "(selector s1; body verified)"
[ -s "$XDG_CACHE_HOME/ndrcheck/dkim/s1._domainkey.example.org" ]
ok $? "the cached key is in the cache folder, named by its DNS name"
rm -r "$XDG_CACHE_HOME/ndrcheck/dkim"
start=$(date +%s%N)
verdict "a DNS server that never answers: cannot tell" unknown "$tmp/b1.eml" \
    "no DNS answer came in time"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 5000 ]
ok $? "a DNS server that never answers does not hold the verdict (${ms} ms)"
kill $dnspid
dns --garbage || { echo "not ok - the DNS responder did not start"; exit 1; }
verdict "a DNS answer that is no DNS message: cannot tell" unknown \
    "$tmp/b1.eml" "the DNS answer is malformed"
kill $dnspid
dns --wrong-id || { echo "not ok - the DNS responder did not start"; exit 1; }
verdict "a DNS answer to another query is not taken" unknown "$tmp/b1.eml" \
    "no DNS answer came in time"
kill $dnspid
conf "$keys"

# Item 4: the proof named in --json and in X-NDR-Evidence.
conf "$keys"
out=$("$nd" --config "$tmp/conf" --db "$db" --json "$tmp/b1.eml")
case $out in *'"proof":{"kind":"dkim","domain":"example.org","selector":"s1","algorithm":"rsa-sha256","body":"verified"}'*) r=0 ;; *) r=1 ;; esac
ok $r "--json names the proof: kind, domain, selector, algorithm, body" "got: $out"
case $out in *'"signatures":[{"domain":"example.org","selector":"s1","algorithm":"rsa-sha256","result":"valid"'*) r=0 ;; *) r=1 ;; esac
ok $r "--json lists our signatures with their result" "got: $out"
out=$("$nd" --config "$tmp/conf" --db "$db" -p < "$tmp/b3.eml" | sed -n '1,/^$/p')
case $out in *"X-NDR-Evidence: the returned message carries a valid DKIM"*"selector s1; body not returned"*) r=0 ;; *) r=1 ;; esac
ok $r "X-NDR-Evidence says it in plain words" "got: $out"

# Item 3: the envelope.  No dkim_domains here: the envelope alone decides.
printf 'batv-secret-0\n' > "$tmp/batv.key"
cat > "$tmp/conf" <<EOF
[ndrcheck]
addresses = jan@example.org
batv_key = $tmp/batv.key
EOF
# tag K DAYS [KEY]: a prvs tag of key number K expiring in DAYS days.
tag() {
	ddd=$(printf '%03d' $((($(date +%s) / 86400 + $2 + 1000) % 1000)))
	mac=$(printf '%s' "$1${ddd}jan@example.org" |
	    openssl dgst -sha1 -hmac "${3:-batv-secret-0}" | sed 's/.*= *//')
	echo "prvs=$1$ddd$(echo "$mac" | cut -c1-6)=jan@example.org"
}
# delivered FIELD ADDRESS: the forged bounce with FIELD: ADDRESS on top
# (none when FIELD is empty), dated now: a tag is checked on that day.
delivered() {
	[ -n "$1" ] && echo "$1: $2"
	sed "s/^Date: Fri, 20 Nov 2026 10:05:00 +0000/Date: $(date -R)/" \
	    "$tmp/f2.eml"
}
delivered X-Original-To "$(tag 0 7)" > "$tmp/e1.eml"
verdict "BATV: a valid tag in X-Original-To proves genuine" genuine \
    "$tmp/e1.eml" "a BATV address our server made for jan@example.org"
delivered "" "" > "$tmp/e2.eml"
out=$("$nd" --config "$tmp/conf" --db "$db" --envelope-to "$(tag 0 3)" \
    -v "$tmp/e2.eml")
case $out in "genuine (dsn): the bounce came to prvs="*) r=0 ;; *) r=1 ;; esac
ok $r "BATV: a valid tag given by --envelope-to proves genuine" "got: $out"
delivered Delivered-To "$(tag 0 7 other-secret)" > "$tmp/e3.eml"
verdict "BATV: a tag made with another key: backscatter" backscatter \
    "$tmp/e3.eml" "whose BATV tag is not one we made"
delivered Delivered-To "$(tag 1 7)" > "$tmp/e4.eml"
verdict "BATV: a key number we have no key for: backscatter" backscatter \
    "$tmp/e4.eml"
delivered Delivered-To "$(tag 0 -2)" > "$tmp/e5.eml"
verdict "BATV: an expired tag proves nothing" unknown "$tmp/e5.eml" \
    "has expired"
delivered Delivered-To info@example.org > "$tmp/e6.eml"
verdict "delivered to an address of ours we never send from: backscatter" \
    backscatter "$tmp/e6.eml" \
    "info@example.org (Delivered-To), an address we never send from"
delivered Delivered-To jan+lists@example.org > "$tmp/e7.eml"
verdict "delivered to a +detail of a sending address: no evidence" unknown \
    "$tmp/e7.eml"
delivered Delivered-To jan@mailhost.internal > "$tmp/e8.eml"
verdict "delivered to a mailbox name of another domain: no evidence" unknown \
    "$tmp/e8.eml"
sed -i /batv_key/d "$tmp/conf"
verdict "a BATV address without batv_key is the address it stands for" \
    unknown "$tmp/e3.eml"
delivered Delivered-To a@b > "$tmp/e9.eml"
verdict "a short address at another domain: no evidence" unknown "$tmp/e9.eml"
out=$("$nd" --config "$tmp/conf" --db "$db" --envelope-to jan@example.org \
    -v "$tmp/e6.eml")
case $out in unknown*) r=0 ;; *) r=1 ;; esac
ok $r "the delivery agent's recipient wins over Delivered-To" "got: $out"

finish
