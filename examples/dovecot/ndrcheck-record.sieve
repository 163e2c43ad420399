# ~/.dovecot.sieve - record the copies of your outgoing mail that your
# MTA sends to you+sent@ (e.g. Postfix sender_bcc_maps), then file
# backscatter away.  A copy that cannot be recorded stays in INBOX.
require ["envelope", "subaddress", "vnd.dovecot.execute", "fileinto",
         "mailbox"];

if envelope :detail "to" "sent" {
  if execute :pipe "ndrcheck" ["record"] {
    discard;
    stop;
  }
}
if execute :pipe "ndrcheck" {
  fileinto :create "Backscatter";
  stop;
}
