#!/usr/bin/env bash
# shellcheck disable=SC2016  # checks are eval'd strings on purpose (expanded when run)
# Smoke check of the real test control plane (scripts/control-plane.sh), using curl only.
# Starts a control plane in a temporary directory, checks version, authentication, RBAC (via
# SubjectAccessReview and real requests), ClusterRole aggregation, PodSecurity admission, the
# audit log and namespace deletion, then stops it and checks that no process is left.
# Exits non-zero on any failure.   Usage: scripts/control-plane-smoke.sh [DIR]
# (without DIR a temporary directory is used and removed again when every check passed).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CP=$ROOT/scripts/control-plane.sh
if [ $# -ge 1 ]; then DIR=$1; OWN_DIR=0
else DIR=$(mktemp -d "${TMPDIR:-/tmp}/stockade-cp-smoke.XXXXXX"); OWN_DIR=1; fi
PASS=0 FAIL=0

ok()   { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

cleanup() {
  "$CP" stop "$DIR" >/dev/null 2>&1 || true
}
trap cleanup EXIT

t0=$(date +%s%3N)
"$CP" start "$DIR"
echo "started in $(( $(date +%s%3N) - t0 )) ms"
# shellcheck disable=SC1091
. "$DIR/env"

# req TOKEN METHOD PATH [BODY] -> sets CODE and BODY
req() {
  local token=$1 method=$2 path=$3 data=${4:-} out auth=()
  [ -z "$token" ] || auth=(-H "Authorization: Bearer $token")   # no token: anonymous
  out=$(curl -sS --max-time 15 -A stockade-smoke --cacert "$STOCKADE_TEST_CA" "${auth[@]}" \
        -H 'Content-Type: application/json' -H 'Accept: application/json' -X "$method" \
        ${data:+--data "$data"} -w '\n%{http_code}' "$STOCKADE_TEST_APISERVER$path") || true
  CODE=${out##*$'\n'}
  BODY=${out%$'\n'*}
}
has() { grep -qF -- "$1" <<<"$BODY"; }
sar() { # USER GROUPS_JSON VERB RESOURCE NAMESPACE -> BODY of the SubjectAccessReview
  req "$STOCKADE_TEST_ADMIN_TOKEN" POST /apis/authorization.k8s.io/v1/subjectaccessreviews \
    "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{\"user\":\"$1\",\"groups\":$2,\"resourceAttributes\":{\"namespace\":\"$5\",\"verb\":\"$3\",\"resource\":\"$4\"}}}"
}

# --- version -------------------------------------------------------------------------------------
PINNED=$(awk '$1=="k8s.io/kubernetes" && $2 ~ /^v/ {print $2; exit}' "$ROOT/testbins/k8s/go.mod")
MINOR=$(echo "$PINNED" | cut -d. -f2)
req "" GET /version   # anonymous: allowed by system:public-info-viewer
check "anonymous GET /version returns 200" [ "$CODE" = 200 ]
check "/version gitVersion is the pinned $PINNED" has "\"gitVersion\": \"$PINNED\""
check "/version major/minor are 1/$MINOR" eval 'has "\"major\": \"1\"" && has "\"minor\": \"$MINOR\""'

# --- authentication: static tokens -----------------------------------------------------------------
req "$STOCKADE_TEST_ALICE_TOKEN" POST /apis/authentication.k8s.io/v1/selfsubjectreviews \
  '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
check "alice's token authenticates as alice with groups dev,qa" \
  eval 'has "\"username\":\"alice\"" && has "\"groups\":[\"dev\",\"qa\",\"system:authenticated\"]"'
req "$STOCKADE_TEST_CAROL_TOKEN" POST /apis/authentication.k8s.io/v1/selfsubjectreviews \
  '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
check "carol authenticates with only system:authenticated" \
  eval 'has "\"username\":\"carol\"" && has "\"groups\":[\"system:authenticated\"]"'
req "not-a-token" GET /api/v1/namespaces
check "a bad token gets 401" [ "$CODE" = 401 ]

# --- authorization: SubjectAccessReview oracle -----------------------------------------------------
sar alice '["dev","qa","system:authenticated"]' list secrets default
check "SAR: alice cannot list secrets (allowed=false)" eval '[ "$CODE" = 201 ] && has "\"allowed\":false"'
sar admin '["system:masters","system:authenticated"]' list secrets default
check "SAR: admin can list secrets (allowed=true)" eval '[ "$CODE" = 201 ] && has "\"allowed\":true"'
req "$STOCKADE_TEST_BOB_TOKEN" GET /api/v1/namespaces/default/secrets
check "bob listing secrets for real gets 403" [ "$CODE" = 403 ]

NS=smoke-$(date +%s)-$RANDOM
req "$STOCKADE_TEST_ADMIN_TOKEN" POST /api/v1/namespaces \
  "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$NS\",\"labels\":{\"pod-security.kubernetes.io/enforce\":\"restricted\",\"pod-security.kubernetes.io/enforce-version\":\"latest\"}}}"
check "admin creates namespace $NS labelled enforce=restricted" [ "$CODE" = 201 ]

# Aggregated ClusterRole "view" (filled in by kube-controller-manager) bound to group qa.
req "$STOCKADE_TEST_ADMIN_TOKEN" POST "/apis/rbac.authorization.k8s.io/v1/namespaces/$NS/rolebindings" \
  '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"qa-view"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"qa"}]}'
check "admin binds ClusterRole view to group qa in $NS" [ "$CODE" = 201 ]
allowed=0
for _ in $(seq 1 50); do   # the authorizer sees new bindings through an informer: poll
  sar alice '["dev","qa","system:authenticated"]' list pods "$NS"
  if has '"allowed":true'; then allowed=1; break; fi
  sleep 0.1
done
check "SAR: alice (group qa) can list pods in $NS via aggregated view" [ $allowed = 1 ]
sar alice '["dev","qa","system:authenticated"]' list secrets "$NS"
check "SAR: view still does not grant secrets" has '"allowed":false'
sar bob '["ops","system:authenticated"]' list pods "$NS"
check "SAR: bob (group ops) cannot list pods in $NS" has '"allowed":false'

# --- PodSecurity admission ------------------------------------------------------------------------
for _ in $(seq 1 100); do   # ServiceAccount admission needs the default SA the controller creates
  req "$STOCKADE_TEST_ADMIN_TOKEN" GET "/api/v1/namespaces/$NS/serviceaccounts/default"
  [ "$CODE" = 200 ] && break
  sleep 0.1
done
check "serviceaccount controller created $NS/default" [ "$CODE" = 200 ]
req "$STOCKADE_TEST_ADMIN_TOKEN" POST "/api/v1/namespaces/$NS/pods" \
  '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"privileged"},"spec":{"containers":[{"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}'
check "privileged pod is rejected (403)" [ "$CODE" = 403 ]
check "rejection carries the PodSecurity message" has 'violates PodSecurity \"restricted:latest\"'
check "rejection names privileged" has 'privileged (container \"c\" must not set securityContext.privileged=true)'
req "$STOCKADE_TEST_ADMIN_TOKEN" POST "/api/v1/namespaces/$NS/pods" \
  '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"compliant"},"spec":{"securityContext":{"runAsNonRoot":true,"runAsUser":1000,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"c","image":"busybox","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}'
check "restricted-compliant pod is accepted (201)" [ "$CODE" = 201 ]
req "$STOCKADE_TEST_ADMIN_TOKEN" POST "/api/v1/namespaces/default/pods" \
  '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"smoke-privileged-'"$RANDOM"'"},"spec":{"containers":[{"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}'
check "privileged pod in unlabelled default namespace is accepted (enforce default privileged)" [ "$CODE" = 201 ]

# --- audit log ------------------------------------------------------------------------------------
found=0
for _ in $(seq 1 50); do   # events can land after the response: poll
  if grep -F "\"resource\":\"namespaces\"" "$STOCKADE_TEST_AUDIT_LOG" 2>/dev/null | grep -F "\"name\":\"$NS\"" | grep -qF '"verb":"create"'; then
    found=1; break
  fi
  sleep 0.1
done
check "audit.log has the namespace create event" [ $found = 1 ]
check "audit.log lines are JSON audit.k8s.io/v1 Events" \
  eval 'head -n 1 "$STOCKADE_TEST_AUDIT_LOG" | grep -q "^{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\""'
check "audit.log records the PodSecurity denial" \
  eval 'grep -F "\"name\":\"privileged\"" "$STOCKADE_TEST_AUDIT_LOG" | grep -F "\"namespace\":\"$NS\"" | grep -qF "pod-security.kubernetes.io/enforce-policy"'
check "audit.log records RBAC decisions" grep -qF '"authorization.k8s.io/decision":"forbid"' "$STOCKADE_TEST_AUDIT_LOG"

# --- namespace controller -------------------------------------------------------------------------
req "$STOCKADE_TEST_ADMIN_TOKEN" DELETE "/api/v1/namespaces/$NS"
gone=0
for _ in $(seq 1 60); do
  req "$STOCKADE_TEST_ADMIN_TOKEN" GET "/api/v1/namespaces/$NS"
  if [ "$CODE" = 404 ]; then gone=1; break; fi
  sleep 0.5
done
check "deleted namespace is finalized by the namespace controller" [ $gone = 1 ]

# --- stop -----------------------------------------------------------------------------------------
"$CP" stop "$DIR"
check "no control-plane process is left for $DIR" \
  eval '! ps -eo args= | grep -F -- "$DIR/" | grep -v grep | grep -qE "etcd|kube-apiserver|kube-controller-manager"'

echo "$PASS passed, $FAIL failed"
if [ "$FAIL" != 0 ]; then echo "logs kept in $DIR" >&2; exit 1; fi
if [ "$OWN_DIR" = 1 ]; then rm -rf "$DIR"; fi
