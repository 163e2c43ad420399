# mail.sh - sourced by shell tests: the messages of a sent-log test.
#
# sent ID DAY [FROM]: an outgoing message from FROM (default
# jan@example.org) to x-ID@example.net, dated DAY Nov 2026 (or DAY, a
# whole date such as "01 Jan 2027"), with Message-ID <ID@example.org>.
# bounce ID [DAY [BDAY]]: a DSN from mx.example.net for x-ID@example.net
# returning the headers of that message (dated DAY, default 20), itself
# dated BDAY (default 21).

# when DAY: the date of the message (see sent).
when() {
	case $1 in
	*' '*) echo "$1 10:00:00 +0000" ;;
	*) echo "$1 Nov 2026 10:00:00 +0000" ;;
	esac
}

sent() {
	cat <<EOF2
From: Jan <${3:-jan@example.org}>
To: x-$1@example.net
Subject: message $1
Date: $(when "$2")
Message-ID: <$1@example.org>

Hello.
EOF2
}

bounce() {
	cat <<EOF2
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: jan@example.org
Subject: Undelivered Mail Returned to Sender
Date: $(when "${3:-21}")
Message-ID: <bounce-$1@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; x-$1@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--B
Content-Type: text/rfc822-headers

From: Jan <jan@example.org>
To: x-$1@example.net
Subject: message $1
Date: $(when "${2:-20}")
Message-ID: <$1@example.org>

--B--
EOF2
}
