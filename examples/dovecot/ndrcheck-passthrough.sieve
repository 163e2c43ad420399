# ~/.dovecot.sieve - add X-NDR-* fields, then file backscatter away.
# "if filter": trust X-NDR-Verdict only when ndrcheck wrote it.
require ["vnd.dovecot.filter", "fileinto", "mailbox"];

if filter "ndrcheck" ["-p"] {
  if header :is "X-NDR-Verdict" "backscatter" {
    fileinto :create "Backscatter";
    stop;
  }
}
