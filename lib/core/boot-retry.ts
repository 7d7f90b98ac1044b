/**
 * A bash function for user data: `retry CMD ARGS...` runs the command up to `RETRY_TRIES` times (5),
 * sleeping `RETRY_SLEEP` seconds (5) after the first failure and twice as long after each next one
 * (5 + 10 + 20 + 40 = 75 s at most between tries), logs every failed attempt to stderr (cloud-init
 * writes it to /var/log/cloud-init-output.log) and returns 1 only after the last try fails.
 *
 * Why: on Amazon Linux 2023 a dnf run that cloud-init starts at boot can delete the package cache under
 * an install running at the same time, which then fails once and would succeed a few seconds later
 * (aws/aws-cdk#36717, the NAT instance user data of aws-cdk-lib; aws/aws-cdk#37464 retries 3 times,
 * 5 s apart). Under `set -e` one such failure fails the boot: the web instances signal failure and the
 * stack rolls back; the NAT instance is left without its forwarding rules.
 *
 * One line, because the web instances' user data is close to the 16 KB EC2 limit. The tests extract it
 * from the synthesized script and run it under bash (`RETRY_SLEEP=0` keeps them fast).
 */
export const RETRY_FUNCTION =
  'retry(){ local n=1 s=${RETRY_SLEEP:-5}; until "$@"; do echo "retry: try $n/${RETRY_TRIES:-5} failed: $*" >&2; ' +
  '((n<${RETRY_TRIES:-5})) || return 1; sleep $s; s=$((s*2)); n=$((n+1)); done; }';
