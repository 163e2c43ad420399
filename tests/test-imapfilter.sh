#!/bin/sh
# test-imapfilter.sh - examples/imapfilter/config.lua against a real IMAP
# server: a Dovecot this test starts, in its temporary folder, on
# 127.0.0.1 at a port free at run time, with one throwaway user (passdb
# passwd-file, plaintext login: loopback only, no TLS), and the mail in
# that folder.  The recipe runs as it is, with only its account block
# replaced by that server's.  It must record the Sent folder, move the
# backscatter of INBOX to Backscatter, and leave genuine and ordinary
# mail in INBOX unchanged and unread; with a failing ndrcheck (a damaged
# sent log: exit 75) it must move nothing.
#
# Needs imapfilter and Dovecot (Debian imapfilter, dovecot-imapd); says
# SKIP with the reason when they are missing or Dovecot cannot start,
# except under CI (CI=true), where that is a failure.
#
# Usage: sh tests/test-imapfilter.sh    (TAP; NDRCHECK names the binary)
set -u
. "$(dirname "$0")/tap.sh"
soe=$top/testdata/set-of-emails/maildir
recipe=$top/examples/imapfilter/config.lua

cannot() {	# cannot REASON: skip everything, or fail under CI
	if [ "${CI:-}" = true ]; then
		echo "not ok 1 - imapfilter against Dovecot: $1"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

for prog in imapfilter python3 timeout; do
	command -v "$prog" > /dev/null || cannot "no $prog"
done
dovecot=$(command -v dovecot || echo /usr/sbin/dovecot)
[ -x "$dovecot" ] || cannot "no dovecot (Debian dovecot-imapd)"
[ -x /usr/lib/dovecot/imap ] || cannot "no Dovecot imap (dovecot-imapd)"

# The recipe calls "ndrcheck": the one under test.
mkdir -p "$tmp/bin"
ln -s "$nd" "$tmp/bin/ndrcheck"
PATH=$tmp/bin:$PATH
export PATH

# The mail user: as root, an unused uid (Dovecot serves no mail as root);
# otherwise Dovecot runs, and serves mail, as the user running the test.
dv=$tmp/dovecot
H=$tmp/home
md=$H/Maildir
mkdir -p "$dv/run" "$dv/state" "$md/cur" "$md/new" "$md/tmp" \
    "$md/.Sent/cur" "$md/.Sent/new" "$md/.Sent/tmp"
if [ "$(id -u)" -eq 0 ]; then
	uid=64300
	while getent passwd "$uid" > /dev/null; do
		uid=$((uid + 1))
	done
	users=""
else
	uid=$(id -u)
	users="default_internal_user = $(id -un)
default_internal_group = $(id -gn)
default_login_user = $(id -un)
service anvil {
  chroot =
}"
fi
chmod 755 "$tmp"

# INBOX: a bounce of mail we did not send, a bounce of mail we did (its
# original is in Sent, which only the recipe records), ordinary mail.
cp "$soe/bsd/lhost-sendmail-01.eml" "$md/new/1000.backscatter.host"
cp "$soe/bsd/lhost-postfix-04.eml" "$md/new/1001.genuine.host"
cp "$soe/not/is-not-bounce-01.eml" "$md/new/1002.ordinary.host"
cp "$top/testdata/delivery/lhost-postfix-04.sent.eml" \
    "$md/.Sent/cur/1003.sent.host:2,S"
chown -R "$uid:$uid" "$H"

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
echo "ndrtest:{PLAIN}secret:$uid:$uid::$H" > "$dv/users"
chmod 644 "$dv/users"
cat > "$dv/dovecot.conf" << EOF
base_dir = $dv/run
state_dir = $dv/state
log_path = $dv/log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = $uid
mail_location = maildir:~/Maildir
$users
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dv/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $dv/users
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
EOF

"$dovecot" -F -c "$dv/dovecot.conf" > "$dv/master.out" 2>&1 &
dpid=$!
trap 'kill "$dpid" 2> /dev/null; wait "$dpid" 2> /dev/null; rm -rf "$tmp"' EXIT
up=
i=0
while [ $i -lt 50 ] && kill -0 "$dpid" 2> /dev/null; do
	if timeout 5 python3 -c 'import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=4)
m.login("ndrtest", "secret")
m.logout()' "$port" 2> /dev/null; then
		up=1
		break
	fi
	sleep 0.2
	i=$((i + 1))
done
[ -n "$up" ] || cannot "Dovecot did not start: $(cat "$dv/master.out" \
    "$dv/log" 2> /dev/null | tail -n 3 | tr '\n' ' ')"

# The recipe as it is, but for its account block.
awk -v port="$port" '
/^-- account:/ { skip = 1
	print "account = IMAP {"
	print "    server = \"127.0.0.1\", port = " port ","
	print "    username = \"ndrtest\", password = \"secret\","
	print "}"
	next }
/^-- end of account/ { skip = 0; next }
!skip { print }' "$recipe" > "$tmp/config.lua"
grep -q 'port = ' "$tmp/config.lua" && ! grep -q imap.example.org "$tmp/config.lua"
ok $? "the recipe's account block is replaced by the test server's"

imapfilter_run() {	# imapfilter_run LOG
	timeout 120 imapfilter -c "$tmp/config.lua" > "$1" 2>&1
}

# The message files of a folder (cur/ and new/), one per line, sorted.
files() {
	find "$1/cur" "$1/new" -type f 2> /dev/null | LC_ALL=C sort
}

# same_bytes FILE-IN-MAILDIR SOURCE: IMAP delivered the same bytes.
same_bytes() {
	[ -n "$1" ] && cmp -s "$1" "$2"
}

imapfilter_run "$tmp/run1.log"
ok $? "imapfilter runs the recipe (exit 0)" "$(cat "$tmp/run1.log")"

moved=$(files "$md/.Backscatter")
[ "$(echo "$moved" | grep -c .)" -eq 1 ] &&
    same_bytes "$moved" "$soe/bsd/lhost-sendmail-01.eml"
ok $? "the backscatter is moved to Backscatter, unchanged" \
    "Backscatter: $moved; INBOX: $(files "$md" | tr '\n' ' ')"

inbox=$(files "$md")
genuine=$(echo "$inbox" | grep genuine)
ordinary=$(echo "$inbox" | grep ordinary)
[ "$(echo "$inbox" | grep -c .)" -eq 2 ] &&
    same_bytes "$genuine" "$soe/bsd/lhost-postfix-04.eml" &&
    same_bytes "$ordinary" "$soe/not/is-not-bounce-01.eml"
ok $? "genuine and ordinary mail stay in INBOX, byte for byte" "$inbox"
! echo "$inbox" | grep -q ':2,.*S'
ok $? "... and unread (the recipe only peeks)" "$inbox"

"$nd" "$soe/bsd/lhost-postfix-04.eml" > /dev/null 2>&1
ok $(($? != 1)) "the Sent message was recorded: its bounce is genuine"

# A failing ndrcheck moves nothing: a damaged sent log fails every
# bounce with 75.
cp "$soe/bsd/lhost-sendmail-01.eml" "$md/new/1004.again.host"
chown "$uid:$uid" "$md/new/1004.again.host"
head -c 8192 /dev/urandom > "$tmp/damaged.db"
NDRCHECK_DB=$tmp/damaged.db "$nd" "$soe/bsd/lhost-sendmail-01.eml" \
    > /dev/null 2>&1
rc=$?
[ $rc -eq 75 ]
ok $? "a damaged sent log: ndrcheck exits 75" "exit $rc"
NDRCHECK_DB=$tmp/damaged.db imapfilter_run "$tmp/run2.log"
again=$(files "$md" | grep again)
[ "$(files "$md/.Backscatter" | grep -c .)" -eq 1 ] &&
    same_bytes "$again" "$soe/bsd/lhost-sendmail-01.eml" &&
    ! echo "$again" | grep -q ':2,.*S'
ok $? "with a failing ndrcheck the backscatter stays in INBOX, unread" \
    "INBOX: $(files "$md" | tr '\n' ' '); $(cat "$tmp/run2.log")"
[ "$(files "$md" | grep -c .)" -eq 3 ]
ok $? "... and so does every other message"

finish
