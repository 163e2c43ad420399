#!/bin/sh
# demo.sh - `make demo`: ndrcheck's main job on bundled real mail.
#
# Sets up a throw-away home with a Sent Maildir holding one message we
# "sent", names it in the config so that ndrcheck syncs it by itself, and
# classifies real bounces (testdata/set-of-emails): the one answering our
# message is genuine, the one answering a message we never sent is
# backscatter, ordinary mail is not-bounce.  Then passthrough and scan.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
nd=$top/bin/ndrcheck
mail=$top/testdata/set-of-emails/maildir
demo=$(mktemp -d "${TMPDIR:-/tmp}/ndrcheck-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT

# A home of our own: ndrcheck finds its config and sent log from HOME.
export HOME=$demo
unset XDG_CONFIG_HOME XDG_DATA_HOME NDRCHECK_DB
mkdir -p "$HOME/.config/ndrcheck" "$HOME/Maildir/.Sent/cur" \
    "$HOME/Maildir/.Sent/new" "$HOME/Maildir/.Sent/tmp"
cat > "$HOME/.config/ndrcheck/config" <<CFG
[ndrcheck]
sent = ~/Maildir/.Sent
CFG
# What we sent: the message that lhost-postfix-03.eml bounces, and an
# older one so that the sent log covers the time of both bounces.
cat > "$HOME/Maildir/.Sent/cur/1.demo:2,S" <<MSG
From: me@example.org
To: old-friend@example.net
Message-ID: <first@example.org>
Date: Mon, 1 Jan 2001 00:00:00 +0000
Subject: the first message we sent

hello
MSG
cat > "$HOME/Maildir/.Sent/cur/2.demo:2,S" <<MSG
From: me@example.org
To: kijitora@example.co.jp
Message-ID: <20140701000000.000000000000@e1.example.ne.jp>
Date: Tue, 1 Jul 2014 00:00:00 +0900
Subject: our message that bounced

hello
MSG

show() {	# show LABEL FILE: one verdict line and the exit code
	set +e
	line=$("$nd" -v "$2")
	rc=$?
	set -e
	printf '%-34s exit %d  %s\n' "$1" "$rc" "$line"
}

echo "== ndrcheck -v MESSAGE (sent log synced from ~/Maildir/.Sent)"
show "bounce of a message we sent:" "$mail/bsd/lhost-postfix-03.eml"
show "bounce of a forged message:" "$mail/bsd/lhost-sendmail-01.eml"
show "same, CRLF line endings:" "$mail/dos/lhost-amavis-01.eml"
show "an out-of-office auto-reply:" "$mail/bsd/rfc3834-01.eml"
show "ordinary mail:" "$mail/not/is-not-bounce-02.eml"

echo
echo "== ndrcheck -p < bounce   (the headers a filter recipe tests)"
# (sed, not head: a reader that stops early makes ndrcheck say so)
"$nd" -p < "$mail/bsd/lhost-sendmail-01.eml" | grep -E '^X-NDR-|^[ 	]' |
    sed -n 1,4p

echo
echo "== ndrcheck scan --only backscatter,genuine $mail/bsd"
cd "$top/testdata/set-of-emails"
"$nd" scan --jobs 2 --only backscatter,genuine maildir/bsd | sed -n 1,12p
