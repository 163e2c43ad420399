# dkim-fixtures.sh - sourced by test-dkim.sh and bench/dkim: keys made
# with openssl, originals signed by a real signer (dkimsign of
# python3-dkim), and the forms bouncers return them in.
#
# Needs tmp (a private folder) and top (the repository) set; keys is the
# folder of key files, conf the config file written by conf().
keys=$tmp/keys

need() {	# need TOOL...: stop with SKIP (a failure under CI) without one
	for t in "$@"; do
		command -v "$t" > /dev/null 2>&1 && continue
		if [ "${CI:-}" = true ]; then
			echo "not ok 1 - $t is missing (install it: .ci/run)"
			exit 1
		fi
		echo "1..0 # SKIP $t is missing"
		exit 0
	done
}
# make_keys: an RSA key (selector s1) and an Ed25519 key (s2) for
# example.org, their TXT records in the folder $keys.
make_keys() {
	mkdir -p "$keys"
	openssl genrsa -out "$tmp/rsa.pem" 2048 2> /dev/null
	openssl genpkey -algorithm ed25519 -out "$tmp/ed.pem"
	# python3-dkim takes an Ed25519 key as its 32-byte seed in base64.
	openssl pkey -in "$tmp/ed.pem" -outform DER | tail -c 32 | base64 \
	    > "$tmp/ed.seed"
	echo "v=DKIM1; k=rsa; p=$(openssl rsa -in "$tmp/rsa.pem" -pubout \
	    -outform DER 2> /dev/null | base64 -w0)" > "$keys/s1._domainkey.example.org"
	echo "v=DKIM1; k=ed25519; p=$(openssl pkey -in "$tmp/ed.pem" -pubout \
	    -outform DER | tail -c 32 | base64 -w0)" > "$keys/s2._domainkey.example.org"
}

# conf KEYS [NAMESERVER]: the config file, keys from the folder KEYS or
# dns (asking NAMESERVER).
conf() {
	cat > "$tmp/conf" <<EOF
[ndrcheck]
addresses = jan@example.org
dkim_domains = example.org
dkim_keys = $1
EOF
	[ -n "${2:-}" ] && echo "dkim_nameserver = $2" >> "$tmp/conf"
	return 0
}

# original FROM ID: an unsigned original, as the user's MUA writes it.
original() {
	cat <<EOF
From: Jan <$1>
To: someone@example.net
Subject: Hello there, a subject long enough that the mailer
 folds it
Date: Fri, 20 Nov 2026 10:00:00 +0000
Message-ID: <$2>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello,
this is the body of the message.
EOF
}

# sign ARGS...: stdin signed by dkimsign ARGS, with our relay's Received
# added on top as it is after the signer.
sign() {
	printf 'Received: from mua.example.org by mx.example.org; Fri, 20 Nov 2026 10:00:01 +0000\n'
	/usr/bin/dkimsign "$@"
}

# dsn TYPE FILE: a Postfix-like DSN returning FILE as a part of TYPE.
dsn() {
	cat <<EOF
From: MAILER-DAEMON@mx.example.net
To: jan@example.org
Subject: Undelivered Mail Returned to Sender
Date: Fri, 20 Nov 2026 10:05:00 +0000
Message-ID: <bounce.$$@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; someone@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: $1

EOF
	cat "$2"
	printf '\n--B--\n'
}

# prose FILE: a qmail-like NDR quoting FILE after its separator.
prose() {
	cat <<EOF
From: MAILER-DAEMON@mx.example.net
To: jan@example.org
Subject: failure notice
Date: Fri, 20 Nov 2026 10:05:00 +0000

Hi. This is the qmail-send program at mx.example.net.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<someone@example.net>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.

EOF
	cat "$1"
}

# headers FILE: the header block of FILE alone.
headers() {
	sed '/^$/q' "$1"
}

# dns MODE: start tests/dns-responder.py MODE (a key folder or
# --silent) and the config that asks it; FALSE when it did not start.
dns() {
	rm -f "$tmp/port"
	/usr/bin/python3 "$top/tests/dns-responder.py" "$tmp/port" "$1" &
	dnspid=$!
	i=0
	while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -s "$tmp/port" ] && conf dns "127.0.0.1:$(cat "$tmp/port")"
}
