#!/bin/sh
# test-author.sh - who wrote a bounce-like message decides whether it
# can be backscatter at all (ndrcheck(1), HOW IT DECIDES).
#
# One message per case, written here: the marks of a machine (beating a
# list's headers), the weaker marks that bulk mail and persons override,
# a person's forward or quote without any header mark, bulk mail, a
# report with no mark of its writer (unknown), and the user's own
# message (its Message-ID in the sent log).
#
# Usage: sh tests/test-author.sh    (TAP on stdout; NDRCHECK names the binary)
. "$(dirname "$0")/tap.sh"

# A log of ours covering 2026, without any of the originals below.
printf 'From me@example.org Thu Jan  1 00:00:00 2026
From: me@example.org
To: old@example.net
Subject: x
Date: Thu, 01 Jan 2026 10:00:00 +0000
Message-ID: <coverage@example.org>

x

' > "$tmp/old.mbox"
"$nd" import --db "$tmp/sent.db" "$tmp/old.mbox" > /dev/null

# The prose and returned headers of an Exim bounce of friend's message.
report='A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  gone@example.net
    SMTP error from remote mail server after RCPT TO:<gone@example.net>:
    550 5.1.1 User unknown

------ This is a copy of the message, including all the headers. ------

Message-ID: <orig-77@example.com>
From: friend@example.com
To: gone@example.net
Date: Tue, 10 Nov 2026 09:00:00 +0000
Subject: hello'

# case NAME WANT EVIDENCE: classify $tmp/m; the verdict must be WANT and
# the first evidence sentence contain EVIDENCE.
case_() {
	out=$("$nd" -v --db "$tmp/sent.db" "$tmp/m" 2>&1)
	v=${out%% *}
	[ "$v" = "$2" ] && case $out in *"$3"*) true ;; *) false ;; esac
	ok $? "$1" "got: $out"
}

msg() { # HEADERS: $tmp/m with those header lines and the report
	printf '%s\nDate: Wed, 11 Nov 2026 08:00:00 +0000\nMessage-ID: <m-%s@example.com>\n\n%s\n' \
	    "$1" "$n" "$2" > "$tmp/m"
}

msg 'From: Mail Delivery System <Mailer-Daemon@mx.example.com>
To: friend@example.com
Subject: Mail delivery failed: returning message to sender
List-Id: <admins.lists.example.org>
Precedence: list' "$report"
case_ "a daemon sender beats a list's headers" backscatter "not in the sent log"

msg 'From: MAILER-DAEMON <>
To: friend@example.com
Subject: Mail delivery failed' "$report"
case_ "From: MAILER-DAEMON <> is a machine's" backscatter "not in the sent log"

msg 'From: Jo <jo@example.net>
To: friend@example.com
Subject: Re: hello
Auto-Submitted: auto-replied
X-Mailer: Microsoft Outlook 16.0
In-Reply-To: <orig-77@example.com>' "I am away until Monday."
case_ "Auto-Submitted beats a reply subject and a client's name" \
    backscatter "<orig-77@example.com> is not in the sent log"

msg 'From: Jo <jo@example.net>
To: friend@example.com
Subject: out of the office
Precedence: bulk
In-Reply-To: <orig-77@example.com>' "I am away until Monday."
case_ "vacation(1)'s Precedence: bulk is no bulk mark" backscatter \
    "<orig-77@example.com> is not in the sent log"

msg 'From: no-reply@mail.example.jp
To: friend@example.com
Subject: Undeliverable mail' "$report"
case_ "a no-reply sender alone is a machine's" backscatter \
    "not in the sent log"

msg 'From: no-reply@news.example.com
To: friend@example.com
Subject: Undeliverable mail: what it means
List-Unsubscribe: <https://news.example.com/u>' "$report"
case_ "a no-reply newsletter is bulk mail" not-bounce "bulk mail (list)"

msg 'From: <admin@example.com>
To: <club@lists.example.org>
Subject: Undeliverable: rides
Return-Path: <club-bounces@lists.example.org>
List-Id: <club.lists.example.org>' "$report"
case_ "a report a list relayed under its own subject is unknown" unknown \
    "nothing in its header shows that a machine wrote it"

msg 'From: friend@example.com
To: me@example.org
Subject: Undeliverable mail' "Can you help?

---------- Forwarded message ---------
From: Mail Delivery System <Mailer-Daemon@mx.example.com>
Date: Wed, 11 Nov 2026
Subject: Mail delivery failed

$report"
case_ "a Gmail forward without a Fwd: subject is a person's" not-bounce \
    "a person forwarded, quoted or attached a bounce (forwarded)"

msg 'From: friend@example.com
To: me@example.org
Subject: Mail delivery failed' "Schau mal.

Am Mi., 11. Nov. 2026 um 08:00 Uhr schrieb Mail Delivery System
<Mailer-Daemon@mx.example.com>:
$(printf '%s\n' "$report" | sed 's/^/> /')"
case_ "a German quote over two lines is a person's" not-bounce "(wrote)"

msg 'From: friend@example.com
To: me@example.org
Subject: Mail delivery failed' "$report"
case_ "a report nothing marks as a machine's is unknown" unknown \
    "nothing in its header shows that a machine wrote it"

# The user's own message: its Message-ID recorded as sent.
msg 'From: me@example.org
To: helpdesk@example.net
Subject: Mail delivery failed' "$report"
id=$(sed -n '/^$/q; s/^Message-ID: <\(.*\)>$/\1/p' "$tmp/m")
"$nd" record --db "$tmp/sent.db" < "$tmp/m"
case_ "a message whose own Message-ID we sent is not a bounce" not-bounce \
    "this is a message you sent: its own Message-ID <$id>"
case $out in *"(none)"*) true ;; *) false ;; esac
ok $? "and it has no findings (kind none)" "got: $out"

# Two real forwards from set-of-emails that Sisimai reads as the bounce
# they carry (testdata/KNOWN-DIFFERENCES): a person's message to us.
for f in bsd/lhost-sendmail-14.eml err/make-test-36.eml; do
	cp "$top/testdata/set-of-emails/maildir/$f" "$tmp/m"
	case_ "set-of-emails $f: a person's forward" not-bounce \
	    "a person forwarded"
done

finish
