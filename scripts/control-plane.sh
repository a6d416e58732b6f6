#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for integration tests: etcd, kube-apiserver and
# kube-controller-manager, built by scripts/testbins.sh.
#
#   scripts/control-plane.sh start DIR   start everything, state/logs/kubeconfig under DIR; waits
#                                        until the API is ready (see below) or fails with log tails
#   scripts/control-plane.sh stop DIR    stop what `start DIR` started (idempotent)
#   scripts/control-plane.sh env DIR     print the shell exports for a running control plane
#   scripts/control-plane.sh status DIR  exit 0 if all three processes are running
#
# After `start`, `. DIR/env` (or `eval "$(scripts/control-plane.sh env DIR)"`) exports
#   STOCKADE_TEST_KUBECONFIG   DIR/kubeconfig; contexts admin (current), alice, bob, carol
#   STOCKADE_TEST_APISERVER    https://127.0.0.1:<port>
#   STOCKADE_TEST_CA           DIR/pki/ca.crt (signs the serving certificate; IP SAN 127.0.0.1)
#   STOCKADE_TEST_ADMIN_TOKEN  bearer token of user "admin" (group system:masters)
#   STOCKADE_TEST_ALICE_TOKEN  user "alice", groups dev, qa
#   STOCKADE_TEST_BOB_TOKEN    user "bob", group ops
#   STOCKADE_TEST_CAROL_TOKEN  user "carol", no groups
#   STOCKADE_TEST_AUDIT_LOG    DIR/audit.log (one JSON audit.k8s.io/v1 Event per line)
#   STOCKADE_TEST_K8S_VERSION, STOCKADE_TEST_ETCD_URL, STOCKADE_TEST_DIR
# (every authenticated user also gets group system:authenticated). The API server also serves
# networking.k8s.io/v1beta1 (deprecated in 1.34, removed in 1.37), so tests can write through a
# deprecated API version and read what the server records of it.
#
# Environment: STOCKADE_TESTBINS_BIN=DIR to use prebuilt binaries instead of running testbins.sh;
# STOCKADE_CP_TIMEOUT (default 60) seconds for the apiserver + controllers to become ready;
# STOCKADE_CP_OWNER_PID=PID: a watchdog runs `stop DIR` as soon as process PID has exited (for a
# test harness that might crash before it can call stop).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=control-plane
TIMEOUT=${STOCKADE_CP_TIMEOUT:-60}
USERS=(alice bob carol)
COMPONENTS=(kube-controller-manager kube-apiserver etcd)   # stop order

log() { echo "$PROG: $*" >&2; }
die() { echo "$PROG: error: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
now_ms() { date +%s%3N; }

need_tools() {
  local missing=() t
  for t in openssl curl setsid; do command -v "$t" >/dev/null || missing+=("$t"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]} with apt-get"
    local pkgs=(); for t in "${missing[@]}"; do case $t in setsid) pkgs+=(util-linux);; *) pkgs+=("$t");; esac; done
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"; } >&2 \
      || die "apt-get install ${pkgs[*]} failed"
  else
    die "missing tools: ${missing[*]} (install them, e.g. apt-get install -y openssl curl util-linux)"
  fi
}

# Is $1 (a pid file) a live process that was started for this DIR?
alive() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  # Guard against a recycled pid: every component's command line mentions DIR. (Not "DIR/":
  # between fork and exec the child still carries this script's command line, which names DIR
  # without a trailing slash, and a check in that window must not take it for dead.)
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$DIR" || return 1
  # A zombie is not running.
  [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]
}

# Has the component of pid file $1 exited? Asked twice, half a second apart: while a component is
# being exec'd, /proc/PID/cmdline can read empty for a moment, and one look would take a starting
# component for a dead one.
gone() {
  alive "$1" && return 1
  sleep 0.5
  ! alive "$1"
}

# Ports that something on this machine already listens on (TCP, v4 and v6).
listening_ports() {
  local f local_addr st
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    while read -r _ local_addr _ st _; do
      [ "$st" = 0A ] && echo $(( 16#${local_addr##*:} ))
    done < <(tail -n +2 "$f")
  done | sort -un
}

# Pick a free port below the kernel's ephemeral range (so outgoing connections never take it);
# sets PORT (not echoed: TAKEN must survive, so no command substitution).
free_port() {
  local lo hi used p
  read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
  hi=$(( lo - 1 )); lo=$(( hi > 20000 ? 15000 : 1024 ))
  used=" $(listening_ports | tr '\n' ' ') ${TAKEN:-} "
  for _ in $(seq 1 200); do
    p=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo) ))
    case $used in *" $p "*) continue;; esac
    TAKEN="${TAKEN:-} $p"
    PORT=$p; return 0
  done
  die "could not find a free TCP port"
}

# launch NAME ARGS... : start a component in its own session, output to DIR/NAME.log, pid to DIR/NAME.pid
launch() {
  local name=$1; shift
  # setsid does not fork here (we are not a process-group leader), so $! is the component itself.
  setsid "$@" > "$DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/$name.pid"
}

tail_logs() {
  local c
  for c in etcd kube-apiserver kube-controller-manager; do
    [ -f "$DIR/$c.log" ] || continue
    echo "----- last 25 lines of $DIR/$c.log -----" >&2
    tail -n 25 "$DIR/$c.log" >&2
  done
}

stop_all() {
  local c pid left killed=()
  if alive "$DIR/watchdog.pid"; then kill -TERM "$(cat "$DIR/watchdog.pid")" 2>/dev/null || true; fi
  rm -f "$DIR/watchdog.pid"
  for c in "${COMPONENTS[@]}"; do
    if alive "$DIR/$c.pid"; then
      pid=$(cat "$DIR/$c.pid")
      killed+=("$pid")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do alive "$DIR/$c.pid" || break; sleep 0.1; done
      if alive "$DIR/$c.pid"; then
        log "$c (pid $pid) did not exit after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do alive "$DIR/$c.pid" || break; sleep 0.1; done
      fi
    fi
    rm -f "$DIR/$c.pid"
  done
  # Belt and braces: anything still running from this DIR (e.g. a pid file lost by a crashed start).
  left=$(ps -eo pid=,args= | awk -v d="$DIR/" 'index($0, d) && /(etcd|kube-apiserver|kube-controller-manager) / {print $1}')
  for pid in $left; do
    log "killing leftover process $pid: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
    kill -KILL "$pid" 2>/dev/null || true
  done
  sleep 0.2
  left=$(ps -eo pid=,args= | awk -v d="$DIR/" 'index($0, d) && /(etcd|kube-apiserver|kube-controller-manager) / {print $1}')
  [ -z "$left" ] || die "processes still running for $DIR: $left"
  # Our exited children were re-parented to init when `start` returned; give it a moment to reap
  # them so that `ps` right after `stop` does not even show <defunct> entries.
  for _ in $(seq 1 50); do
    left=
    for pid in "${killed[@]}"; do [ -e "/proc/$pid" ] && left=1; done
    [ -z "$left" ] && break
    sleep 0.1
  done
  rm -rf "$DIR/etcd-data"
}

# api PATH [curl args...] : GET (by default) as admin; prints the body
api() {
  local path=$1; shift
  curl -sS --max-time 10 -A stockade-control-plane --cacert "$DIR/pki/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "$@" "$APISERVER$path"
}
http_code() { # PATH -> HTTP status as admin (000 when the connection fails)
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -A stockade-control-plane --cacert "$DIR/pki/ca.crt" \
    -H "Authorization: Bearer $ADMIN_TOKEN" "$APISERVER$1" 2>/dev/null || true
}

gen_pki() {
  local p=$DIR/pki
  mkdir -p "$p"
  (
    cd "$p"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
      -subj "/CN=stockade-test-ca" -keyout ca.key -out ca.crt \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=kube-apiserver" \
      -keyout apiserver.key -out apiserver.csr
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.0.0.1" \
      > apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt
    # Service-account token signing key (the same key verifies, via --service-account-key-file).
    openssl ecparam -name prime256v1 -genkey -noout -out sa.key
    chmod 600 ./*.key
  ) > "$DIR/pki.log" 2>&1 || { cat "$DIR/pki.log" >&2; die "generating certificates with openssl failed"; }
}

write_configs() {
  local u
  # Static token users (file read once at apiserver start). Format: token,user,uid[,"g1,g2"].
  ADMIN_TOKEN=$(openssl rand -hex 24); KCM_TOKEN=$(openssl rand -hex 24)
  declare -gA TOKEN
  for u in "${USERS[@]}"; do TOKEN[$u]=$(openssl rand -hex 24); done
  umask 077
  cat > "$DIR/tokens.csv" <<EOF
$ADMIN_TOKEN,admin,uid-admin,"system:masters"
$KCM_TOKEN,system:kube-controller-manager,uid-kube-controller-manager,"system:masters"
${TOKEN[alice]},alice,uid-alice,"dev,qa"
${TOKEN[bob]},bob,uid-bob,"ops"
${TOKEN[carol]},carol,uid-carol
EOF
  umask 022

  cat > "$DIR/admission.yaml" <<'EOF'
# PodSecurity defaults for namespaces without pod-security.kubernetes.io/* labels: like upstream,
# nothing is enforced (so tests can create insecure fixtures), but violations of "restricted" are
# reported as warnings and as audit annotations. Label a namespace to enforce a level.
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: privileged
      enforce-version: latest
      audit: restricted
      audit-version: latest
      warn: restricted
      warn-version: latest
    exemptions:
      usernames: []
      runtimeClasses: []
      namespaces: [kube-system]
EOF

  cat > "$DIR/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
omitManagedFields: true
rules:
# health probes (the start script polls them) are noise
- level: None
  nonResourceURLs: ["/readyz", "/readyz/*", "/livez", "/livez/*", "/healthz", "/healthz/*"]
# full bodies for RBAC and admission configuration changes
- level: RequestResponse
  resources:
  - group: "rbac.authorization.k8s.io"
  - group: "admissionregistration.k8s.io"
# request bodies for Services and Pods (test objects only), so audit rules that read them
# (NodePort/LoadBalancer services, privileged pods) are exercised against real events
- level: Request
  resources:
  - group: ""
    resources: ["services", "pods"]
# metadata (user, verb, object, decision annotations) for everything else
- level: Metadata
EOF

  # Optional live audit webhook (STOCKADE_CP_AUDIT_WEBHOOK=https://127.0.0.1:PORT/...,
  # STOCKADE_CP_AUDIT_WEBHOOK_CA=PEM): kube-apiserver also posts EventList batches there.
  AUDIT_WEBHOOK_FLAGS=()
  if [ -n "${STOCKADE_CP_AUDIT_WEBHOOK:-}" ]; then
    local ca_line=""
    [ -n "${STOCKADE_CP_AUDIT_WEBHOOK_CA:-}" ] && ca_line="    certificate-authority: ${STOCKADE_CP_AUDIT_WEBHOOK_CA}"
    cat > "$DIR/audit-webhook.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: audit-sink
  cluster:
    server: ${STOCKADE_CP_AUDIT_WEBHOOK}
${ca_line}
users:
- name: kube-apiserver
  user: {}
contexts:
- name: default
  context: {cluster: audit-sink, user: kube-apiserver}
current-context: default
EOF
    AUDIT_WEBHOOK_FLAGS=(--audit-webhook-config-file="$DIR/audit-webhook.kubeconfig"
      --audit-webhook-version=audit.k8s.io/v1 --audit-webhook-mode=batch
      --audit-webhook-batch-max-wait=1s)
  fi

  cat > "$DIR/kcm.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: stockade-test
  cluster: {server: "$APISERVER", certificate-authority: "$DIR/pki/ca.crt"}
users:
- name: kube-controller-manager
  user: {token: "$KCM_TOKEN"}
contexts:
- name: kcm
  context: {cluster: stockade-test, user: kube-controller-manager}
current-context: kcm
EOF

  local ca_data
  ca_data=$(base64 -w0 < "$DIR/pki/ca.crt")
  {
    echo "apiVersion: v1"
    echo "kind: Config"
    echo "clusters:"
    echo "- name: stockade-test"
    echo "  cluster:"
    echo "    server: \"$APISERVER\""
    echo "    certificate-authority-data: \"$ca_data\""
    echo "users:"
    echo "- name: admin"
    echo "  user: {token: \"$ADMIN_TOKEN\"}"
    for u in "${USERS[@]}"; do echo "- name: $u"; echo "  user: {token: \"${TOKEN[$u]}\"}"; done
    echo "contexts:"
    for u in admin "${USERS[@]}"; do
      echo "- name: $u"
      echo "  context: {cluster: stockade-test, user: $u, namespace: default}"
    done
    echo "current-context: admin"
  } > "$DIR/kubeconfig"
  chmod 600 "$DIR/kubeconfig" "$DIR/kcm.kubeconfig"
}

write_env() {
  local u U
  {
    echo "# generated by scripts/control-plane.sh start; source this file"
    printf 'export STOCKADE_TEST_DIR=%q\n' "$DIR"
    printf 'export STOCKADE_TEST_KUBECONFIG=%q\n' "$DIR/kubeconfig"
    printf 'export STOCKADE_TEST_APISERVER=%q\n' "$APISERVER"
    printf 'export STOCKADE_TEST_CA=%q\n' "$DIR/pki/ca.crt"
    printf 'export STOCKADE_TEST_ADMIN_TOKEN=%q\n' "$ADMIN_TOKEN"
    for u in "${USERS[@]}"; do
      U=$(echo "$u" | tr '[:lower:]' '[:upper:]')
      printf 'export STOCKADE_TEST_%s_TOKEN=%q\n' "$U" "${TOKEN[$u]}"
    done
    printf 'export STOCKADE_TEST_AUDIT_LOG=%q\n' "$DIR/audit.log"
    printf 'export STOCKADE_TEST_ETCD_URL=%q\n' "$ETCD_URL"
    printf 'export STOCKADE_TEST_K8S_VERSION=%q\n' "$K8S_VERSION"
  } > "$DIR/env.tmp"
  chmod 600 "$DIR/env.tmp"
  mv "$DIR/env.tmp" "$DIR/env"
}

start_etcd() {
  local attempt ep pp
  for attempt in 1 2 3; do
    free_port; ep=$PORT; free_port; pp=$PORT
    rm -rf "$DIR/etcd-data"; mkdir -p "$DIR/etcd-data"; chmod 700 "$DIR/etcd-data"
    launch etcd "$BIN/etcd" --name=stockade-test --data-dir="$DIR/etcd-data" \
      --listen-client-urls="http://127.0.0.1:$ep" --advertise-client-urls="http://127.0.0.1:$ep" \
      --listen-peer-urls="http://127.0.0.1:$pp" --initial-advertise-peer-urls="http://127.0.0.1:$pp" \
      --initial-cluster="stockade-test=http://127.0.0.1:$pp" --initial-cluster-state=new \
      --unsafe-no-fsync=true --log-level=warn
    for _ in $(seq 1 100); do
      if curl -sf --max-time 2 "http://127.0.0.1:$ep/health" 2>/dev/null | grep -q '"health":"true"'; then
        ETCD_URL="http://127.0.0.1:$ep"; return 0
      fi
      gone "$DIR/etcd.pid" && break
      sleep 0.1
    done
    if grep -q 'address already in use' "$DIR/etcd.log" 2>/dev/null; then
      log "etcd port clash (attempt $attempt); retrying with other ports"
      stop_all; continue
    fi
    tail_logs; stop_all; die "etcd did not become healthy"
  done
  die "etcd: no free ports after 3 attempts"
}

start_apiserver() {
  local ap=$1
  launch kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers="$ETCD_URL" --etcd-prefix=/registry \
    --bind-address=127.0.0.1 --secure-port="$ap" \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --tls-cert-file="$DIR/pki/apiserver.crt" --tls-private-key-file="$DIR/pki/apiserver.key" \
    --cert-dir="$DIR/pki/generated" \
    --client-ca-file="$DIR/pki/ca.crt" \
    --token-auth-file="$DIR/tokens.csv" --enable-bootstrap-token-auth \
    --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-signing-key-file="$DIR/pki/sa.key" \
    --service-account-key-file="$DIR/pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --allow-privileged=true \
    --runtime-config=networking.k8s.io/v1beta1=true \
    --enable-admission-plugins=NodeRestriction \
    --admission-control-config-file="$DIR/admission.yaml" \
    --audit-policy-file="$DIR/audit-policy.yaml" --audit-log-path="$DIR/audit.log" \
    --audit-log-format=json --audit-log-mode=blocking \
    --audit-log-maxbackup=1 --audit-log-maxsize=100 \
    "${AUDIT_WEBHOOK_FLAGS[@]}" \
    --profiling=false --v=1
}

start_kcm() {
  launch kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$DIR/kcm.kubeconfig" \
    --leader-elect=false --secure-port=0 \
    --controllers=clusterrole-aggregation-controller,serviceaccount-controller,namespace-controller,garbage-collector-controller,root-ca-certificate-publisher-controller,certificatesigningrequest-signing-controller,disruption-controller,pod-garbage-collector-controller \
    --root-ca-file="$DIR/pki/ca.crt" \
    --cluster-signing-cert-file="$DIR/pki/ca.crt" --cluster-signing-key-file="$DIR/pki/ca.key" \
    --v=1
}

cmd_start() {
  local t0 t_etcd t_ready ap attempt deadline code pid c
  need_tools
  for c in "${COMPONENTS[@]}"; do
    if alive "$DIR/$c.pid"; then die "$c is already running for $DIR (pid $(cat "$DIR/$c.pid")); run: $0 stop $DIR"; fi
  done
  mkdir -p "$DIR"
  rm -f "$DIR/env" "$DIR"/*.pid "$DIR/audit.log"
  if [ -n "${STOCKADE_TESTBINS_BIN:-}" ]; then BIN=$STOCKADE_TESTBINS_BIN
  else BIN=$("$ROOT/scripts/testbins.sh") || die "scripts/testbins.sh failed"; fi
  for c in etcd kube-apiserver kube-controller-manager; do
    [ -x "$BIN/$c" ] || die "$BIN/$c is missing (run scripts/testbins.sh)"
  done
  K8S_VERSION=$("$BIN/kube-apiserver" --version | awk '{print $2}')

  t0=$(now_ms)
  gen_pki
  # Stop whatever we started if anything below fails or we are interrupted.
  trap 'rc=$?; if [ $rc -ne 0 ]; then stop_all 2>/dev/null || true; fi' EXIT
  trap 'exit 130' INT TERM

  start_etcd
  t_etcd=$(now_ms)
  log "etcd healthy at $ETCD_URL after $(( t_etcd - t0 )) ms"

  for attempt in 1 2 3; do
    free_port; ap=$PORT
    APISERVER="https://127.0.0.1:$ap"
    write_configs
    start_apiserver "$ap"
    deadline=$(( $(date +%s) + TIMEOUT ))
    code=000
    while [ "$(date +%s)" -lt "$deadline" ]; do
      code=$(http_code /readyz)
      [ "$code" = 200 ] && break
      gone "$DIR/kube-apiserver.pid" && break
      sleep 0.2
    done
    [ "$code" = 200 ] && break
    if ! alive "$DIR/kube-apiserver.pid" && grep -q 'address already in use' "$DIR/kube-apiserver.log"; then
      log "kube-apiserver port clash (attempt $attempt); retrying with another port"
      continue
    fi
    tail_logs
    api "/readyz?verbose" 2>/dev/null | grep -v '^\[+\]' >&2 || true
    die "kube-apiserver not ready within ${TIMEOUT}s (last /readyz status: $code)"
  done
  [ "$code" = 200 ] || die "kube-apiserver: no free port after 3 attempts"
  log "kube-apiserver ready at $APISERVER after $(( $(now_ms) - t_etcd )) ms"

  start_kcm
  # Ready when: default namespace exists, aggregated ClusterRole admin has rules (clusterrole-
  # aggregation controller), default/default ServiceAccount exists (serviceaccount controller),
  # and default/kube-root-ca.crt exists (root-ca-cert-publisher).
  local ok=0
  while [ "$(date +%s)" -lt "$deadline" ]; do
    gone "$DIR/kube-controller-manager.pid" && { tail_logs; die "kube-controller-manager exited"; }
    if [ "$(http_code /api/v1/namespaces/default)" = 200 ] \
      && api /apis/rbac.authorization.k8s.io/v1/clusterroles/admin 2>/dev/null | grep -q '"rules":\[{' \
      && [ "$(http_code /api/v1/namespaces/default/serviceaccounts/default)" = 200 ] \
      && [ "$(http_code /api/v1/namespaces/default/configmaps/kube-root-ca.crt)" = 200 ]; then
      ok=1; break
    fi
    sleep 0.2
  done
  if [ $ok != 1 ]; then
    tail_logs
    log "default ns: $(http_code /api/v1/namespaces/default), default SA: $(http_code /api/v1/namespaces/default/serviceaccounts/default), kube-root-ca.crt: $(http_code /api/v1/namespaces/default/configmaps/kube-root-ca.crt)"
    log "clusterrole admin: $(api /apis/rbac.authorization.k8s.io/v1/clusterroles/admin 2>&1 | cut -c1-300)"
    die "control plane not ready within ${TIMEOUT}s of starting kube-apiserver"
  fi
  t_ready=$(now_ms)
  write_env
  if [ -n "${STOCKADE_CP_OWNER_PID:-}" ]; then
    if ! [[ $STOCKADE_CP_OWNER_PID =~ ^[0-9]+$ ]] || ! kill -0 "$STOCKADE_CP_OWNER_PID" 2>/dev/null; then
      die "STOCKADE_CP_OWNER_PID=$STOCKADE_CP_OWNER_PID is not a running process"
    fi
    setsid bash "${BASH_SOURCE[0]}" __watch "$DIR/" "$STOCKADE_CP_OWNER_PID" > "$DIR/watchdog.log" 2>&1 < /dev/null &
    echo $! > "$DIR/watchdog.pid"
    log "watchdog pid $(cat "$DIR/watchdog.pid") stops everything when pid $STOCKADE_CP_OWNER_PID exits"
  fi
  trap - EXIT INT TERM
  log "ready: $K8S_VERSION at $APISERVER in $(( t_ready - t0 )) ms (etcd $(( t_etcd - t0 )) ms, apiserver+controllers $(( t_ready - t_etcd )) ms)"
  for c in etcd kube-apiserver kube-controller-manager; do
    pid=$(cat "$DIR/$c.pid")
    log "  $c pid $pid rss $(awk '/^VmRSS/ {printf "%d MiB", $2/1024}' "/proc/$pid/status")"
  done
  log "use: . $DIR/env   (kubeconfig $DIR/kubeconfig, contexts admin alice bob carol)"
}

cmd_env() {
  [ -f "$DIR/env" ] || die "$DIR/env not found: start the control plane first ($0 start $DIR)"
  local c
  for c in "${COMPONENTS[@]}"; do alive "$DIR/$c.pid" || die "$c is not running for $DIR"; done
  cat "$DIR/env"
}

cmd_status() {
  local c rc=0
  for c in etcd kube-apiserver kube-controller-manager; do
    if alive "$DIR/$c.pid"; then echo "$c: running (pid $(cat "$DIR/$c.pid"))"
    else echo "$c: not running"; rc=1; fi
  done
  return $rc
}

if [ "${1:-}" = __watch ] && [ $# -eq 3 ]; then   # internal: the STOCKADE_CP_OWNER_PID watchdog
  DIR=${2%/}
  trap 'exit 0' TERM
  while kill -0 "$3" 2>/dev/null; do sleep 1; done
  rm -f "$DIR/watchdog.pid"
  log "owner pid $3 exited; stopping the control plane in $DIR"
  stop_all; rm -f "$DIR/env"
  exit 0
fi
[ $# -eq 2 ] || usage
case $2 in /*) DIR=$2 ;; *) DIR=$(pwd)/$2 ;; esac
DIR=${DIR%/}
case $1 in
  start) cmd_start ;;
  stop) [ -d "$DIR" ] || { log "$DIR does not exist; nothing to stop"; exit 0; }
        stop_all; rm -f "$DIR/env"; log "stopped (logs and audit.log kept in $DIR)" ;;
  env) cmd_env ;;
  status) cmd_status ;;
  *) usage ;;
esac
