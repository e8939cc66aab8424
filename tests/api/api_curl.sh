#!/usr/bin/env bash
# The HTTP API end to end with nothing but curl and jq, as a script or CI job would use it:
# health, a deploy job (401 without the token and nothing deployed; 202 + a job URL with it), the
# lab's status, a checks job whose result equals the lab's latest report, its JUnit, the event
# stream (and resuming it with Last-Event-ID), /metrics (promtool when installed), the OpenAPI
# document, and a destroy job (401 without the token and the lab stays).
#
# It starts its own serve (loopback, a free port, a 0600 token file, --topologies holding
# tests/api/tour.yaml) and stops it and destroys the lab on exit, even on failure. Run as root:
#   tests/api/api_curl.sh [path/to/netrig]        (LAB=name picks the lab's name)
# Prints one line per step; exit 0 only when every step passed. tests/integration/api_curl_test
# runs it. docs/api-reference.md points here for examples.
set -euo pipefail
netrig=$(realpath "${1:-${NETRIG:-build/netrig}}")
lab=${LAB:-curl$$}
for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "api_curl: SKIPPED: $tool not installed (Debian package $tool)"; exit 77; }
done
work=$(mktemp -d)
serve_pid=
cleanup() {
  [[ -z $serve_pid ]] || { kill "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null || true; }
  "$netrig" destroy "$lab" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

steps=0
ok() { steps=$((steps + 1)); echo "ok $steps - $*"; }
fail() { echo "not ok - $*" >&2; [[ -f $work/body ]] && { echo "--- last body:" >&2; head -c 2000 "$work/body" >&2; echo >&2; }; exit 1; }

mkdir -p "$work/topologies"
cp "$(dirname "$0")/tour.yaml" "$work/topologies/tour.yaml"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/token"
chmod 600 "$work/token"
token=$(cat "$work/token")
"$netrig" serve --listen 127.0.0.1:0 --token-file "$work/token" --topologies "$work/topologies" \
  --jobs-dir "$work/jobs" --poll-interval 0.3 >"$work/serve.out" 2>&1 &
serve_pid=$!
for _ in $(seq 100); do grep -q 'netrig serve: http' "$work/serve.out" && break; sleep 0.1; done
port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/serve.out" | head -1)
[[ -n $port ]] || { cat "$work/serve.out" >&2; fail "serve did not start"; }
api="http://127.0.0.1:$port/api/v1"

# call METHOD PATH [curl args...]: the body into $work/body, the status code on stdout.
call() {
  local method=$1 path=$2
  shift 2
  curl -s -o "$work/body" -D "$work/headers" -w '%{http_code}' -X "$method" "$@" "$api$path"
}
auth=(-H "Authorization: Bearer $token")
json=(-H "Content-Type: application/json")
# wait_job URL: polls the job until it is no longer running; its record in $work/body.
wait_job() {
  for _ in $(seq 400); do
    curl -s -o "$work/body" "http://127.0.0.1:$port$1"
    [[ $(jq -r .state "$work/body") != running ]] && return 0
    sleep 0.25
  done
  fail "job $1 still running after 100 s"
}

[[ $(call GET /health) == 200 && $(jq -r .status "$work/body") == ok && $(jq -r .read_only "$work/body") == false ]] ||
  fail "GET /health"
ok "GET /api/v1/health: ok, mutations allowed (token loaded)"

deploy_body=$(jq -nc --arg lab "$lab" '{file: "tour.yaml", name: $lab}')
[[ $(call POST /labs "${json[@]}" -d "$deploy_body") == 401 ]] || fail "POST /labs without the token is not 401"
[[ $(jq -r .error.message "$work/body") == *token* ]] || fail "the 401 does not say why"
[[ $(call POST /labs "${json[@]}" -H "Authorization: Bearer wrong-$token" -d "$deploy_body") == 401 ]] ||
  fail "POST /labs with a wrong token is not 401"
[[ ! -e /run/netrig/$lab && $(call GET "/labs/$lab") == 404 ]] || fail "a refused deploy left a lab"
ok "POST /api/v1/labs without / with a wrong token: 401, nothing deployed"

[[ $(call POST /labs "${auth[@]}" "${json[@]}" -d "$deploy_body") == 202 ]] || fail "POST /labs with the token"
job=$(jq -r .url "$work/body")
grep -qi "^location: $job" "$work/headers" || fail "no Location: $job"
wait_job "$job"
[[ $(jq -r .state "$work/body") == succeeded && $(jq -r .exit_code "$work/body") == 0 ]] || fail "deploy job"
ok "POST /api/v1/labs (token): 202, Location $job, job succeeded"

# serve learns of labs from its periodic snapshot (--poll-interval 0.3 s): the job can end before
# the next one, so give it a few intervals (this was a flake: an empty list 0.6 s into the run).
listed=0
for _ in $(seq 30); do
  if [[ $(call GET /labs) == 200 && $(jq --arg lab "$lab" 'map(select(.lab == $lab)) | length' "$work/body") == 1 ]]; then
    listed=1
    break
  fi
  sleep 0.1
done
((listed)) || fail "GET /labs does not list $lab within 3 s"
[[ $(call GET "/labs/$lab") == 200 ]] || fail "GET /labs/$lab"
[[ $(jq '[.nodes[] | select(.present)] | length' "$work/body") == 3 ]] || fail "not 3 nodes present"
[[ $(jq -r '.nodes[] | select(.name == "h1") | .interfaces[0].addresses[0]' "$work/body") == 10.98.7.1/24 ]] ||
  fail "h1's address"
ok "GET /api/v1/labs and /labs/$lab: 3 nodes present, addresses"

[[ $(call POST "/labs/$lab/checks" "${json[@]}" -d '{}') == 401 ]] || fail "POST checks without the token"
[[ $(call POST "/labs/$lab/checks" "${auth[@]}" "${json[@]}" -d '{}') == 202 ]] || fail "POST checks"
checks_job=$(jq -r .url "$work/body")
wait_job "$checks_job"
[[ $(jq -r .state "$work/body") == succeeded && $(jq .result.passed "$work/body") == 2 ]] || fail "checks job"
jq -S .result "$work/body" >"$work/result.json"
[[ $(call GET "/labs/$lab/checks") == 200 ]] || fail "GET checks"
jq -S .latest "$work/body" | cmp -s - "$work/result.json" || fail "the lab's latest checks differ from the job's result"
ok "POST /api/v1/labs/$lab/checks: 401 without the token; with it a job, 2 passed, result == latest"

[[ $(call GET "/labs/$lab/checks/junit") == 200 ]] && grep -q '<testsuite' "$work/body" || fail "JUnit"
ok "GET /api/v1/labs/$lab/checks/junit: JUnit XML"

curl -s -N --max-time 2 "$api/events?since=0" >"$work/events" || true
for type in job deploy_step check_result; do
  grep -q "^data: .*\"type\":\"$type\"" "$work/events" || fail "no $type event in the stream"
done
third=$(grep '^id: ' "$work/events" | sed -n 3p | cut -d' ' -f2)
curl -s -N --max-time 1 -H "Last-Event-ID: $third" "$api/events" >"$work/resumed" || true
first_resumed=$(grep '^id: ' "$work/resumed" | head -1 | cut -d' ' -f2)
[[ $first_resumed == $((third + 1)) ]] || fail "resuming after $third began at '$first_resumed'"
ok "GET /api/v1/events: job, deploy_step and check_result events; Last-Event-ID $third resumes at $first_resumed"

curl -s -o "$work/metrics" "http://127.0.0.1:$port/metrics"
grep -q "^netrig_lab_checks{lab=\"$lab\",status=\"passed\"} 2" "$work/metrics" || fail "metrics: checks passed"
grep -q "^netrig_interface_receive_bytes_total{lab=\"$lab\"" "$work/metrics" || fail "metrics: interface bytes"
if command -v promtool >/dev/null; then
  promtool check metrics <"$work/metrics" >"$work/promtool" 2>&1 || { cat "$work/promtool" >&2; fail "promtool"; }
  ok "GET /metrics: the lab's check counts and interface counters; promtool check metrics clean"
else
  ok "GET /metrics: the lab's check counts and interface counters (promtool not installed: not linted)"
fi

[[ $(call GET /openapi.json) == 200 && $(jq -r '.openapi' "$work/body") == 3.* ]] || fail "openapi.json"
ok "GET /api/v1/openapi.json: OpenAPI $(jq -r .openapi "$work/body")"

[[ $(call DELETE "/labs/$lab") == 401 && -e /run/netrig/$lab ]] || fail "DELETE without the token"
[[ $(call DELETE "/labs/$lab" "${auth[@]}") == 202 ]] || fail "DELETE with the token"
wait_job "$(jq -r .url "$work/body")"
[[ $(jq -r .state "$work/body") == succeeded ]] || fail "destroy job"
[[ $(call GET "/labs/$lab") == 404 && ! -e /run/netrig/$lab ]] || fail "the lab is still there"
ok "DELETE /api/v1/labs/$lab: 401 without the token (lab kept); with it a job, lab gone"
echo "api_curl: all $steps steps passed"
