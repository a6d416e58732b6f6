//! `stockade bench` on golden node roots: a hardened kubeadm node where every recommendation
//! Stockade automates passes, and a weak one where every one fails (a WARN where the benchmark
//! leaves the threshold to judgement). The command lines are those of the real control plane
//! the tests start (scripts/control-plane.sh), moved to kubeadm's layout and then hardened or
//! weakened; file modes are set at test time (git keeps only 644 and 755).

mod common;

use common::{stockade, text};
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const KUBELET_PID: u32 = 4242;
const PROXY_PID: u32 = 4343;

fn write(root: &Path, path: &str, body: &str, mode: u32) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, body).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn dir(root: &Path, path: &str, mode: u32) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(&p).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn process(root: &Path, pid: u32, argv: &[String]) {
    let d = root.join(format!("proc/{pid}"));
    std::fs::create_dir_all(&d).unwrap();
    let mut bytes = Vec::new();
    for a in argv {
        bytes.extend_from_slice(a.as_bytes());
        bytes.push(0);
    }
    std::fs::write(d.join("cmdline"), bytes).unwrap();
    std::fs::write(d.join("environ"), b"PATH=/usr/bin\0").unwrap();
}

/// A static pod manifest running `command`.
fn manifest(name: &str, command: &[String]) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: {name}\n    image: registry.k8s.io/{name}:v1.36.3\n    command:\n"
    );
    for c in command {
        s.push_str(&format!("    - {c}\n"));
    }
    s
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The real control plane's kube-apiserver flags (scripts/control-plane.sh), in kubeadm's paths.
fn apiserver_base() -> Vec<String> {
    args(&[
        "kube-apiserver",
        "--etcd-servers=https://127.0.0.1:2379",
        "--bind-address=127.0.0.1",
        "--secure-port=6443",
        "--advertise-address=127.0.0.1",
        "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
        "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
        "--service-cluster-ip-range=10.0.0.0/24",
        "--allow-privileged=true",
        "--audit-log-path=/var/log/kubernetes/audit.log",
        "--audit-log-format=json",
        "--audit-log-maxsize=100",
    ])
}

const CIPHERS: &str =
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";

const GOOD_POLICY: &str = "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n  resources:\n  - group: \"\"\n    resources: [secrets, configmaps, serviceaccounts/token]\n  - group: authentication.k8s.io\n    resources: [tokenreviews]\n- level: RequestResponse\n  resources:\n  - group: rbac.authorization.k8s.io\n- level: Request\n  verbs: [create, update, patch, delete, deletecollection]\n- level: Metadata\n";

fn hardened(root: &Path) {
    let mut api = apiserver_base();
    api.extend(args(&[
        "--anonymous-auth=false",
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction,DenyServiceExternalIPs,EventRateLimit,AlwaysPullImages",
        "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
        "--profiling=false",
        "--audit-log-maxage=30",
        "--audit-log-maxbackup=10",
        "--audit-policy-file=/etc/kubernetes/audit-policy.yaml",
        "--service-account-lookup=true",
        "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
        "--encryption-provider-config=/etc/kubernetes/enc/encryption.yaml",
        "--service-account-extend-token-expiration=false",
        "--admission-control-config-file=/etc/kubernetes/admission.yaml",
    ]));
    api.push(format!("--tls-cipher-suites={CIPHERS}"));
    write(
        root,
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        &manifest("kube-apiserver", &api),
        0o600,
    );
    let kcm = args(&[
        "kube-controller-manager",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--root-ca-file=/etc/kubernetes/pki/ca.crt",
        "--profiling=false",
        "--use-service-account-credentials=true",
        "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
        "--feature-gates=RotateKubeletServerCertificate=true",
        "--bind-address=127.0.0.1",
        "--terminated-pod-gc-threshold=1000",
    ]);
    write(
        root,
        "/etc/kubernetes/manifests/kube-controller-manager.yaml",
        &manifest("kube-controller-manager", &kcm),
        0o600,
    );
    let sched = args(&[
        "kube-scheduler",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
        "--profiling=false",
        "--bind-address=127.0.0.1",
    ]);
    write(
        root,
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
        &manifest("kube-scheduler", &sched),
        0o600,
    );
    let etcd = args(&[
        "etcd",
        "--name=node-1",
        "--data-dir=/var/lib/etcd",
        "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
        "--key-file=/etc/kubernetes/pki/etcd/server.key",
        "--client-cert-auth=true",
        "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
        "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
        "--peer-client-cert-auth=true",
        "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
        "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
    ]);
    write(
        root,
        "/etc/kubernetes/manifests/etcd.yaml",
        &manifest("etcd", &etcd),
        0o600,
    );
    for f in [
        "admin.conf",
        "super-admin.conf",
        "scheduler.conf",
        "controller-manager.conf",
        "kubelet.conf",
    ] {
        write(
            root,
            &format!("/etc/kubernetes/{f}"),
            "apiVersion: v1\nkind: Config\n",
            0o600,
        );
    }
    dir(root, "/etc/kubernetes/pki", 0o755);
    write(root, "/etc/kubernetes/pki/ca.crt", "cluster CA\n", 0o644);
    write(
        root,
        "/etc/kubernetes/pki/ca.key",
        "cluster CA key\n",
        0o600,
    );
    write(root, "/etc/kubernetes/pki/etcd/ca.crt", "etcd CA\n", 0o644);
    write(
        root,
        "/etc/kubernetes/pki/etcd/ca.key",
        "etcd CA key\n",
        0o600,
    );
    write(
        root,
        "/etc/kubernetes/enc/encryption.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys:\n      - name: k1\n        secret: c2VjcmV0IGlzIHNlY3VyZSwgbm90IGluIHRoZSByZXBvcnQ=\n  - identity: {}\n",
        0o600,
    );
    write(
        root,
        "/etc/kubernetes/audit-policy.yaml",
        GOOD_POLICY,
        0o600,
    );
    // PodSecurity's defaults in a file the AdmissionConfiguration names (read below the root).
    write(
        root,
        "/etc/kubernetes/admission.yaml",
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  path: pod-security.yaml\n",
        0o600,
    );
    write(
        root,
        "/etc/kubernetes/pod-security.yaml",
        "apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults:\n  enforce: baseline\n",
        0o600,
    );
    write(root, "/etc/cni/net.d/10-bridge.conflist", "{}\n", 0o600);
    dir(root, "/var/lib/etcd", 0o700);
    write(
        root,
        "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\n",
        0o600,
    );
    write(
        root,
        "/var/lib/kubelet/config.yaml",
        &format!(
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  webhook:\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\nreadOnlyPort: 0\nstreamingConnectionIdleTimeout: 5m0s\nmakeIPTablesUtilChains: true\nserverTLSBootstrap: true\nrotateCertificates: true\nfeatureGates:\n  RotateKubeletServerCertificate: true\ntlsCipherSuites: [{}]\npodPidsLimit: 4096\nseccompDefault: true\n",
            CIPHERS.replace(',', ", ")
        ),
        0o600,
    );
    process(
        root,
        KUBELET_PID,
        &args(&[
            "/usr/bin/kubelet",
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
            "--config=/var/lib/kubelet/config.yaml",
            "--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
        ]),
    );
    write(
        root,
        "/var/lib/kube-proxy/kubeconfig.conf",
        "apiVersion: v1\nkind: Config\n",
        0o600,
    );
    process(
        root,
        PROXY_PID,
        &args(&[
            "/usr/local/bin/kube-proxy",
            "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
            "--metrics-bind-address=127.0.0.1:10249",
        ]),
    );
}

fn weak(root: &Path) {
    let mut api = apiserver_base();
    api.retain(|a| {
        !a.starts_with("--tls-")
            && !a.starts_with("--client-ca")
            && !a.starts_with("--service-account-key")
            && !a.starts_with("--audit-log-path")
    });
    api.extend(args(&[
        "--anonymous-auth=true",
        "--token-auth-file=/etc/kubernetes/tokens.csv",
        "--authorization-mode=AlwaysAllow",
        "--enable-admission-plugins=AlwaysAdmit",
        "--disable-admission-plugins=ServiceAccount,NamespaceLifecycle",
        "--profiling=true",
        "--audit-log-maxage=1",
        "--audit-log-maxbackup=1",
        "--audit-log-maxsize=10",
        "--service-account-lookup=false",
        "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    ]));
    write(
        root,
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        &manifest("kube-apiserver", &api),
        0o644,
    );
    let kcm = args(&[
        "kube-controller-manager",
        "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--feature-gates=RotateKubeletServerCertificate=false",
        "--bind-address=0.0.0.0",
    ]);
    write(
        root,
        "/etc/kubernetes/manifests/kube-controller-manager.yaml",
        &manifest("kube-controller-manager", &kcm),
        0o644,
    );
    let sched = args(&[
        "kube-scheduler",
        "--kubeconfig=/etc/kubernetes/scheduler.conf",
    ]);
    write(
        root,
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
        &manifest("kube-scheduler", &sched),
        0o666,
    );
    let etcd = args(&[
        "etcd",
        "--name=node-1",
        "--data-dir=/var/lib/etcd",
        "--auto-tls=true",
        "--peer-auto-tls=true",
        "--trusted-ca-file=/etc/kubernetes/pki/ca.crt",
    ]);
    write(
        root,
        "/etc/kubernetes/manifests/etcd.yaml",
        &manifest("etcd", &etcd),
        0o644,
    );
    for f in [
        "admin.conf",
        "super-admin.conf",
        "scheduler.conf",
        "controller-manager.conf",
        "kubelet.conf",
    ] {
        write(
            root,
            &format!("/etc/kubernetes/{f}"),
            "apiVersion: v1\nkind: Config\n",
            0o644,
        );
    }
    dir(root, "/etc/kubernetes/pki", 0o755);
    write(root, "/etc/kubernetes/pki/ca.crt", "cluster CA\n", 0o666);
    write(
        root,
        "/etc/kubernetes/pki/ca.key",
        "cluster CA key\n",
        0o644,
    );
    write(root, "/etc/cni/net.d/10-bridge.conflist", "{}\n", 0o644);
    dir(root, "/var/lib/etcd", 0o755);
    write(
        root,
        "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\n",
        0o644,
    );
    write(
        root,
        "/var/lib/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
        0o644,
    );
    process(
        root,
        KUBELET_PID,
        &args(&[
            "/usr/bin/kubelet",
            "--kubeconfig=/etc/kubernetes/kubelet.conf",
            "--config=/var/lib/kubelet/config.yaml",
            "--client-ca-file=/etc/kubernetes/pki/ca.crt",
            "--anonymous-auth=true",
            "--authorization-mode=AlwaysAllow",
            "--read-only-port=10255",
            "--streaming-connection-idle-timeout=0",
            "--make-iptables-util-chains=false",
            "--hostname-override=node-1",
            "--rotate-certificates=false",
            "--feature-gates=RotateKubeletServerCertificate=false",
            "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA",
            "--pod-max-pids=-1",
            "--seccomp-default=false",
        ]),
    );
    write(
        root,
        "/var/lib/kube-proxy/kubeconfig.conf",
        "apiVersion: v1\nkind: Config\n",
        0o644,
    );
    process(
        root,
        PROXY_PID,
        &args(&[
            "/usr/local/bin/kube-proxy",
            "--kubeconfig=/var/lib/kube-proxy/kubeconfig.conf",
            "--metrics-bind-address=0.0.0.0:10249",
        ]),
    );
}

/// The node's own user and group names: the test's uid and gid are `root` on the hardened
/// node; on the weak one they are `kube`, so every `root:root` check fails.
fn names(root: &Path, name: &str) {
    let meta = std::fs::metadata(root).unwrap();
    use std::os::unix::fs::MetadataExt;
    write(
        root,
        "/etc/passwd",
        &format!(
            "{name}:x:{}:{}::/:/bin/sh\netcd:x:64999:64999::/:/bin/false\n",
            meta.uid(),
            meta.gid()
        ),
        0o644,
    );
    write(
        root,
        "/etc/group",
        &format!("{name}:x:{}:\netcd:x:64999:\n", meta.gid()),
        0o644,
    );
}

/// Runs `stockade bench` on `root`; (exit code, id → status, the document).
fn bench(root: &Path, extra: &[&str]) -> (i32, BTreeMap<String, String>, Value) {
    let out = stockade()
        .args(["bench", "--no-config", "-o", "json", "--node-root"])
        .arg(root)
        .args(extra)
        .output()
        .unwrap();
    let doc: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    let statuses = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (out.status.code().unwrap_or(-1), statuses, doc)
}

/// Every recommendation of cis-1.12 with its data: id → (has a deciding test, judgement,
/// cluster-level).
fn kinds() -> BTreeMap<String, (bool, bool, bool)> {
    let out = stockade()
        .args(["bench", "--list", "--benchmark", "cis-1.12"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listing = String::from_utf8(out.stdout).unwrap();
    let mut m = BTreeMap::new();
    for line in listing.lines().skip(1) {
        let mut it = line.split_whitespace();
        let (Some(id), Some(_assessment), Some(how)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        let judged = ["1.2.9", "1.2.11"].contains(&id);
        m.insert(
            id.to_string(),
            (how == "automated", judged, how == "cluster"),
        );
    }
    assert_eq!(m.len(), 131);
    m
}

/// The uid running the tests can give a directory another owner (root can).
fn can_chown() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[test]
fn hardened_node_passes_every_automated_recommendation() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    hardened(root);
    names(root, "root");
    let etcd_owner_settable = can_chown()
        && std::os::unix::fs::chown(root.join("var/lib/etcd"), Some(64999), Some(64999)).is_ok();
    let (code, got, doc) = bench(root, &[]);
    assert_eq!(
        doc["benchmark"]["id"], "cis-1.12",
        "chosen by the v1.36.3 image"
    );
    assert_eq!(doc["node"]["kubernetesVersion"], "1.36");
    assert_eq!(doc["node"]["distribution"], "kubeadm");
    assert_eq!(doc["problems"], serde_json::json!([]));
    let mut wrong = Vec::new();
    for (id, (automated, _, _)) in kinds() {
        // Cluster-level ones are manual without --cluster (but 5.2.1, answered by the API
        // server's PodSecurity defaults); the rest have no deciding test.
        let want = if automated || id == "5.2.1" {
            "pass"
        } else {
            "manual"
        };
        if id == "1.1.12" && !etcd_owner_settable {
            eprintln!("1.1.12 not asserted: the test cannot chown (not root)");
            continue;
        }
        if got.get(&id).map(String::as_str) != Some(want) {
            let c = doc["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id.as_str());
            wrong.push(format!("{id}: {:?}, expected {want}: {c:?}", got.get(&id)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(code, 0, "nothing fails");
    // Where each value came from: the flag's line in the manifest, the kubelet file's line.
    let find = |id: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    let c = find("1.2.1");
    assert_eq!(
        c["observed"][0]["source"],
        "/etc/kubernetes/manifests/kube-apiserver.yaml:28:7"
    );
    let c = find("4.2.4");
    assert_eq!(
        c["observed"][0]["source"],
        "/var/lib/kubelet/config.yaml:12:15"
    );
    // The encryption key is never printed.
    assert!(!doc.to_string().contains("c2VjcmV0"));
}

#[test]
fn weak_node_fails_every_automated_recommendation() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    weak(root);
    names(root, "kube");
    let (code, got, doc) = bench(root, &[]);
    assert_eq!(doc["problems"], serde_json::json!([]));
    // The weak kubelet is given a client CA (so 4.1.7 and 4.1.8 can fail on its mode and
    // owner); 4.2.3 then passes, and fails on the mutation below.
    // etcd's CA cannot be compared with the API server's when the API server has none (1.2.25
    // fails instead): 2.7 cannot be checked, a WARN.
    let exceptions = ["4.2.3", "2.7"];
    let mut wrong = Vec::new();
    for (id, (automated, judged, _)) in kinds() {
        if !automated || exceptions.contains(&id.as_str()) {
            continue;
        }
        let want = if judged { "warn" } else { "fail" };
        if got.get(&id).map(String::as_str) != Some(want) {
            wrong.push(format!("{id}: {:?}, expected {want}", got.get(&id)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(got["2.7"], "warn");
    assert_eq!(code, 1);
    // Absent flags are their defaults: the scheduler's --profiling is true, its bind address
    // 0.0.0.0.
    let c = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "1.4.1")
        .unwrap();
    assert!(
        c["observed"][0]["source"]
            .as_str()
            .unwrap()
            .starts_with("default of kube-scheduler v1.36"),
        "{c}"
    );

    // Without the client CA flag, 4.2.3 fails.
    let argv = std::fs::read(root.join(format!("proc/{KUBELET_PID}/cmdline"))).unwrap();
    let kept: Vec<String> = String::from_utf8(argv)
        .unwrap()
        .split('\0')
        .filter(|a| !a.is_empty() && !a.starts_with("--client-ca-file"))
        .map(str::to_string)
        .collect();
    process(root, KUBELET_PID, &kept);
    let (_, got, _) = bench(root, &["--only", "4.2.3"]);
    assert_eq!(got.get("4.2.3").map(String::as_str), Some("fail"));
}

#[test]
fn roles_versions_suppressions_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    weak(root);
    names(root, "kube");
    // Only the worker's sections; the benchmark of an older release by name.
    let (_, got, doc) = bench(root, &["--node-role", "worker", "--benchmark", "cis-1.11"]);
    assert_eq!(doc["benchmark"]["id"], "cis-1.11");
    assert_eq!(got["1.2.1"], "skip");
    assert_eq!(got["4.2.1"], "fail");
    // Suppressions from the settings file, with reasons; an expired one no longer applies.
    let cfg = tmp.path().join("stockade.yaml");
    std::fs::write(&cfg, "bench:\n  suppressions:\n  - {check: \"1.2\", reason: managed by the platform team}\n  - {check: \"4.2.1\", reason: old, expires: 2020-01-01}\n").unwrap();
    let out = stockade()
        .args(["bench", "-o", "json", "--only", "1.2,4.2.1", "--config"])
        .arg(&cfg)
        .arg("--node-root")
        .arg(root)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks = doc["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 31);
    assert!(
        checks
            .iter()
            .filter(|c| c["id"] != "4.2.1")
            .all(|c| c["suppressed"] == "managed by the platform team")
    );
    assert!(
        text(&out).contains("expired on 2020-01-01"),
        "{}",
        text(&out)
    );
    assert_eq!(out.status.code(), Some(1), "4.2.1 still fails");

    // A malformed manifest and an unreadable kubelet config: named, the rest evaluated, exit 2.
    write(
        root,
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
        "kind: Pod\nspec: [\n",
        0o600,
    );
    std::fs::remove_file(root.join("var/lib/kubelet/config.yaml")).unwrap();
    let (code, got, doc) = bench(root, &[]);
    assert_eq!(code, 2);
    let problems = doc["problems"].to_string();
    assert!(problems.contains("kube-scheduler.yaml"), "{problems}");
    assert!(problems.contains("config.yaml"), "{problems}");
    assert_eq!(got["1.2.1"], "fail", "the API server is still evaluated");
    assert_eq!(got["1.4.1"], "skip", "no scheduler could be read");

    // Not a node at all.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, doc) = bench(empty.path(), &[]);
    assert_eq!(code, 2);
    assert!(
        doc["problems"][0].as_str().unwrap().contains("not a node"),
        "{doc}"
    );
    // Not a directory: a usage error.
    let out = stockade()
        .args(["bench", "--node-root", "/nonexistent/x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("not a directory"), "{}", text(&out));
}

#[test]
fn a_k3s_server_is_read_from_its_configuration_and_built_in_arguments() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    names(root, "root");
    write(
        root,
        "/etc/rancher/k3s/config.yaml",
        "write-kubeconfig-mode: \"0600\"\nkube-apiserver-arg:\n  - anonymous-auth=true\n  - audit-log-maxage=30\nkube-scheduler-arg: [bind-address=0.0.0.0]\n",
        0o600,
    );
    write(
        root,
        "/etc/rancher/k3s/config.yaml.d/50-kubelet.yaml",
        "kubelet-arg:\n  - read-only-port=10255\n",
        0o600,
    );
    process(
        root,
        777,
        &args(&[
            "/usr/local/bin/k3s",
            "server",
            "--kube-controller-manager-arg",
            "profiling=true",
            "--token=do-not-print-me",
        ]),
    );
    let (_, got, doc) = bench(root, &["--kubernetes-version", "v1.33"]);
    assert_eq!(doc["node"]["distribution"], "k3s");
    let check = |id: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    // From the configuration file, with its position.
    assert_eq!(got["1.2.1"], "fail");
    assert_eq!(
        check("1.2.1")["observed"][0]["source"],
        "/etc/rancher/k3s/config.yaml:3:5"
    );
    assert_eq!(got["1.2.17"], "pass");
    assert_eq!(got["1.4.2"], "fail");
    // From the command line.
    assert_eq!(got["1.3.2"], "fail");
    assert!(
        check("1.3.2")["observed"][0]["source"]
            .as_str()
            .unwrap()
            .contains("k3s (pid 777)")
    );
    // k3s's own arguments where nothing overrides them.
    assert_eq!(got["1.2.15"], "pass");
    assert!(
        check("1.2.15")["observed"][0]["source"]
            .as_str()
            .unwrap()
            .starts_with("k3s built-in argument")
    );
    assert_eq!(got["1.3.7"], "pass");
    // The embedded kubelet, from a drop-in.
    assert_eq!(got["4.2.4"], "fail");
    assert_eq!(
        check("4.2.4")["observed"][0]["source"],
        "flag --read-only-port=10255"
    );
    // No embedded etcd without --cluster-init (k3s keeps its state in SQLite).
    assert_eq!(got["2.2"], "skip");
    assert!(!doc.to_string().contains("do-not-print-me"));
}
