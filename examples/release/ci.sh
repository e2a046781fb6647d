#!/bin/sh
# The release job of examples/release/Makefile as a CI script: plain pipes between the raw stages
#
#   lp-validate | lp-plan | lp-apply | lp-query deploy --view summary
#   lp-incident capture | lp-regress from-incident
#
# with every arrow kept as a file (tee) under $OUT, then prints where each document is.
#   examples/release/ci.sh
#   OUT=/tmp/ci BIN=/path/to/stages NOW=1767225600000 examples/release/ci.sh
#   bash -o pipefail examples/release/ci.sh          (same behaviour, see below)
# Variables: OUT (default out/ci), STATE ($OUT/state), BIN (.build/release), NOW (pinned time,
# ms), PAUSE_SCALE (0), OPS / POLICY (which generated ops profile and policy card to release with).
#
# Exit status: the code of the stage that failed. A stage given a failed upstream document
# refuses it with the upstream's exit code and writes nothing new, so the code reaches the last
# stage of the pipe and `set -e` stops the script with it, with or without `set -o pipefail`.
set -eu

root=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
OUT=${OUT:-$root/out/ci}
STATE=${STATE:-$OUT/state}
BIN=${BIN:-$root/.build/release}
NOW=${NOW:-1767225600000}
PAUSE_SCALE=${PAUSE_SCALE:-0}
OPS=${OPS:-ops.canary.json}
POLICY=${POLICY:-policy.baseline.json}
hello=$OUT/inputs/hello
incident=$root/examples/release/incident
# Every stage reads its state directory and pinned time from these (SPEC §3).
export X07LP_STATE_DIR="$STATE" X07LP_NOW_UNIX_MS="$NOW"

rm -rf "$OUT" "$STATE"
mkdir -p "$OUT"
"$root/scripts/make-example-packs" "$OUT/inputs" >/dev/null

# Intake, plan, canary run to promotion, and the summary from the query index, in one pipe.
"$BIN/lp-validate" --in "$hello/change_request.ops.json" --pack "$hello/pack.tar.zst" \
    --ops "$hello/$OPS" --slo "$hello/slo.json" --policy "$hello/$POLICY" \
    --provenance "$hello/provenance.dsse.json" --trusted-key "$hello/keys/test-signing.pub.pem" |
  tee "$OUT/execution.planned.json" |
  "$BIN/lp-plan" |
  tee "$OUT/execution.plan.json" |
  "$BIN/lp-apply" --metrics-dir "$root/examples/hello/metrics" --pause-scale "$PAUSE_SCALE" |
  tee "$OUT/execution.run.json" |
  "$BIN/lp-query" deploy --view summary >"$OUT/deploy.summary.json"

# A 5xx a user hit on the promoted release, captured with its request, response and app trace,
# and a regression (replay trace + HTTP test) generated from it.
"$BIN/lp-incident" capture --in "$OUT/execution.run.json" \
    --request "$incident/request.json" --response "$incident/response.json" --trace "$incident/trace.json" \
    --classification http_5xx --source router --reason "GET /api/hello answered 502" |
  tee "$OUT/incident.bundle.json" |
  "$BIN/lp-regress" from-incident --name hello_api_5xx --out-dir "$OUT/regressions" >"$OUT/regression.result.json"

echo "ci.sh: the example pack was accepted, planned, promoted; an incident was captured and a regression generated"
for doc in execution.planned.json execution.plan.json execution.run.json deploy.summary.json \
           incident.bundle.json regression.result.json; do
  echo "  $OUT/$doc"
done
echo "  $OUT/regressions/hello_api_5xx/ (run: sh http.test.sh BASE_URL)"
echo "  state directory: $STATE"
