# ~/.dovecot.sieve - record the copies of your outgoing mail that your
# MTA sends to you+sent-SECRET@ (e.g. Postfix sender_bcc_maps), then
# file backscatter away.  Replace SECRET, here and in the MTA, with a
# word of your own that nobody can guess (openssl rand -hex 8): anyone
# can mail you+sent@.  Set addresses in the config, so that record also
# refuses a copy that is not From you.  A copy that cannot be recorded
# is kept in INBOX, never discarded, nor filed.
require ["envelope", "subaddress", "vnd.dovecot.execute", "fileinto",
         "mailbox"];

if envelope :detail "to" "sent-SECRET" {
  if execute :pipe "ndrcheck" ["record"] {
    discard;
  } else {
    keep;
  }
  stop;
}
if execute :pipe "ndrcheck" {
  fileinto :create "Backscatter";
  stop;
}
