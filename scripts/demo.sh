#!/usr/bin/env bash
# The demo: builds, then runs every check mode and the exporter against an embedded sample
# organization (tests/fixtures/orgs/demo.json: one store's SMTP mailbox missing, another's homeMTA
# wrong) in a throwaway slapd, with generated tracking logs and events where those generators
# exist, and a WMI queue snapshot. Stops everything it started, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite runs the demo against the tree it just built (ctest demo.RunsEveryModeOnTheSample).
[[ -n ${EXDM_DEMO_SKIP_BOOTSTRAP:-} ]] || scripts/bootstrap.sh

B=$(realpath "${EXDM_BUILD_DIR:-build}")
CHECK=$B/checks/check_exchange_delivery
EXPORTER=$B/exporter/exchange_delivery_exporter
GEN=$B/tests/generators
FIXTURE=$PWD/tests/fixtures/slapd/slapd-fixture.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/exdm-demo-XXXXXX")
EXPORTER_PID=

cleanup() {
  local rc=$?
  trap '' INT TERM  # a second Ctrl-C must not cut the cleanup short
  if [[ -n $EXPORTER_PID ]]; then
    kill -TERM "$EXPORTER_PID" 2>/dev/null || true
    wait "$EXPORTER_PID" 2>/dev/null || true
  fi
  [[ -d $WORK/slapd ]] && "$FIXTURE" stop "$WORK/slapd" || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -t 1 ]]; then
  section() { printf '\n\033[1m==== %s ====\033[0m\n' "$*"; }
else
  section() { printf '\n==== %s ====\n' "$*"; }
fi
state_name() {
  case $1 in 0) echo OK ;; 1) echo WARNING ;; 2) echo CRITICAL ;; 3) echo UNKNOWN ;; *) echo "?" ;; esac
}

section "Build"
# Like every Monitoring Plugin, the check exits 3 (UNKNOWN) after --version.
"$CHECK" --version || [[ $? -eq 3 ]]
"$EXPORTER" --version

section "Sample organization (tests/fixtures/orgs/demo.json)"
"$GEN/exdm_gen_org" tests/fixtures/orgs/demo.json -o "$WORK/org.ldif" \
  --manifest "$WORK/manifest.json" --summary "$WORK/summary.tsv"
awk -F'\t' '{ printf "  %-7s %-20s %-29s %-8s %-36s %s\n", $1, $2, $3, $4, $5, $6 }' \
  "$WORK/summary.tsv"
echo "  (findings column: what a correct audit must report)"

section "Directory: throwaway slapd with the organization (tests/fixtures/slapd)"
URI=$("$FIXTURE" start "$WORK/slapd" --ldif "$WORK/org.ldif")
BIND_DN=$(cat "$WORK/slapd/monitor.dn")
SECRET=$WORK/slapd/monitor.secret
echo "  $URI  (bind as $BIND_DN, password file $SECRET)"

# The broken store: its users' mail stalls in the local delivery queue.
BROKEN_GUID=$(awk -F'\t' '$6 ~ /missing/ { print $5; exit }' "$WORK/summary.tsv")
BROKEN_USERS=$(awk -F'\t' '$6 ~ /missing/ { print $7; exit }' "$WORK/summary.tsv")
SERVER=EXCH01
TODAY=$(date -u +%F)
NOW_HOUR=$(date -u +%-H)
STALL_START=$(date -u -d '-90 minutes' +%FT%TZ)

# The generated log runs to the end of the current hour: the checks evaluate as of that moment
# (--now), so stalls logged "later" than the wall clock still get their true age.
LOG_END=$(date -u -d "$TODAY + $((NOW_HOUR + 1)) hours" +%FT%TZ)
check_args=(-H "$URI" -D "$BIND_DN" --password-file "$SECRET" --now "$LOG_END")
exporter_ini=("[ldap]" "uri = $URI" "bind_dn = $BIND_DN" "password_file = $SECRET")

section "Tracking logs (exdm_gen_tracking)"
if [[ -x $GEN/exdm_gen_tracking ]]; then
  stalled=()
  IFS=, read -r -a users <<< "$BROKEN_USERS"
  for u in "${users[@]}"; do stalled+=(--stalled-recipient "$u"); done
  mkdir -p "$WORK/tracking"
  # About 60 messages an hour whatever the time of day (the log covers today up to the end of
  # this hour), a fifth of them to the broken store's users once the stall begins: a dozen or so
  # stalled deliveries at any hour, never a demo that happens to show none.
  if "$GEN/exdm_gen_tracking" --out "$WORK/tracking/$SERVER" --server "$SERVER" --start "$TODAY" \
    --end-hour $((NOW_HOUR + 1)) --messages $((60 * (NOW_HOUR + 1))) \
    --stall-start "$STALL_START" --stall-share 0.2 \
    "${stalled[@]}" --truth "$WORK/tracking.truth"; then
  ls -l "$WORK/tracking/$SERVER" | tail -n +2 | sed 's/^/  /'
  echo "  stalled local deliveries to: $BROKEN_USERS (since $STALL_START)"
  grep -E '^(stalled_deliveries|retries)=' "$WORK/tracking.truth" | sed 's/^/  truth: /' || true
  check_args+=(--tracking-dir "$SERVER=$WORK/tracking/$SERVER")
  exporter_ini+=("[tracking]" "dir = $SERVER=$WORK/tracking/$SERVER")
  else
    echo "  exdm_gen_tracking failed (exit $?): queue mode runs without tracking logs"
  fi
else
  echo "  $GEN/exdm_gen_tracking is not built yet: queue mode runs without tracking logs"
fi

section "WMI queue snapshot (as deploy/collect/exchange-queue-snapshot.vbs writes it)"
# Taken now, in the script's format (its COLUMNS line, CRLF, quoted text): the stalled messages,
# the oldest queued when the tracking logs first saw it, the local delivery link in retry. The
# checks evaluate at the log's end (--now), up to an hour later, so they accept a snapshot that
# old; queue and all compare it with the tracking logs.
SNAP=$WORK/$SERVER-queue.csv
stuck=$(awk -F= '$1 == "stalled_deliveries" { print $2 }' "$WORK/tracking.truth" 2>/dev/null || true)
first=$(awk -F= '$1 == "oldest_stalled_first_seen" { print $2 }' "$WORK/tracking.truth" 2>/dev/null || true)
oldest=$STALL_START
if [[ -n $first && $first != 0 ]]; then oldest=$(date -u -d "@$first" +%FT%TZ); fi
columns=$(sed -n 's/^Const COLUMNS = "\([^"]*\)".*/\1/p' deploy/collect/exchange-queue-snapshot.vbs)
printf '%s\r\n%s\r\n' "$columns" "$(date -u +%FT%TZ),\"$SERVER\",\"1\",\"contoso.com (Local Delivery)\",${stuck:-0},$((${stuck:-0} * 4512)),$oldest,1,518," > "$SNAP"
sed 's/^/  /' "$SNAP"
check_args+=(--queue-snapshot "$SERVER=$SNAP" --snapshot-max-age 7200)
exporter_ini+=("[queue_snapshot]" "file = $SERVER=$SNAP")

section "Application events (exdm_gen_events)"
if [[ -x $GEN/exdm_gen_events ]]; then
  if "$GEN/exdm_gen_events" --format jsonl --server "$SERVER" --store-guid "$BROKEN_GUID" \
    --start "$STALL_START" --out "$WORK/$SERVER-application.jsonl"; then
  echo "  $(wc -l < "$WORK/$SERVER-application.jsonl") events (NXLog JSON lines), 326/1194 for store $BROKEN_GUID"
  check_args+=(--event-file "$SERVER=$WORK/$SERVER-application.jsonl")
  exporter_ini+=("[events]" "file = $SERVER=$WORK/$SERVER-application.jsonl")
  else
    echo "  exdm_gen_events failed (exit $?): events mode runs without event exports"
  fi
else
  echo "  $GEN/exdm_gen_events is not built yet: events mode runs without event exports"
fi

mkdir -p "$WORK/state"
for mode in mailbox queue events all; do
  section "check_exchange_delivery $mode"
  echo "  \$ check_exchange_delivery $mode ${check_args[*]} --state-file <tmp>"
  set +e
  "$CHECK" "$mode" "${check_args[@]}" --state-file "$WORK/state/check-$mode.state" 2>&1 |
    sed 's/^/  /'
  rc=${PIPESTATUS[0]}
  set -e
  echo "  -> exit code $rc ($(state_name "$rc"))"
done

section "exchange_delivery_exporter: one scrape of /metrics"
printf '%s\n' "${exporter_ini[@]}" "[exporter]" "state_dir = $WORK/state" > "$WORK/exporter.ini"
sed 's/^/  /' "$WORK/exporter.ini"
# Port 0: the kernel picks a free port and the exporter logs it. (A port chosen here could be
# taken before the exporter binds it: by another server, or by any outgoing connection, whose
# local ports come from the same range; the suite runs the demo next to many of both.)
# The log exists before the exporter starts: the background job opens it in its own time, and a
# read of it that came first would fail (and end this script under set -e and pipefail).
: > "$WORK/exporter.log"
"$EXPORTER" --config.file "$WORK/exporter.ini" --web.listen-address "127.0.0.1:0" \
  >> "$WORK/exporter.log" 2>&1 &
EXPORTER_PID=$!
PORT=
for _ in $(seq 300); do
  PORT=$(sed -n 's/.*listening on .* (ports \([0-9]*\)).*/\1/p' "$WORK/exporter.log" | head -1)
  [[ -n $PORT ]] && break
  kill -0 "$EXPORTER_PID" 2>/dev/null || break
  sleep 0.1
done
# One collector per configured source (ldap, tracking, events, queue_snapshot), plus the
# diagnosis over the first three; wait until each
# has succeeded once, since a scrape never waits for the background work. Normally a second or
# two; the bound (60 s) is for a loaded machine: a collector may fail, and the scrape shows it.
want=$(grep -c '^\[\(ldap\|tracking\|events\|queue_snapshot\)\]' "$WORK/exporter.ini")
grep -q '^\[\(ldap\|tracking\|events\)\]' "$WORK/exporter.ini" && want=$((want + 1))
metrics=
for _ in $(seq 600); do
  if ! kill -0 "$EXPORTER_PID" 2>/dev/null; then
    echo "  exporter exited early:"
    sed 's/^/  /' "$WORK/exporter.log"
    EXPORTER_PID=
    break
  fi
  metrics=$(curl -sf "http://127.0.0.1:$PORT/metrics" || true)
  if (($(grep -c '^exchange_collector_success{.*} 1$' <<< "$metrics") >= want)); then break; fi
  sleep 0.1
done
if [[ -n $metrics ]]; then
  echo "  \$ curl http://127.0.0.1:$PORT/metrics   (samples only; HELP/TYPE lines omitted)"
  grep -v '^#' <<< "$metrics" | sed 's/^/  /'
fi

if [[ -s $WORK/exporter.log ]]; then
  echo "  exporter log:"
  sed 's/^/    /' "$WORK/exporter.log"
fi

section "Done"
echo "  stopping the exporter and slapd, removing $WORK"
