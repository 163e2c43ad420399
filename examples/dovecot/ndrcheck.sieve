# ~/.dovecot.sieve - file backscatter away, on ndrcheck's exit code.
require ["vnd.dovecot.execute", "fileinto", "mailbox"];

if execute :pipe "ndrcheck" {
  fileinto :create "Backscatter";
  stop;
}
