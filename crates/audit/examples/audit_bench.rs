//! Throughput benchmark of the audit analyzer, end to end (read, split, parse, every audit rule,
//! findings, summary) on a generated log.
//!
//! ```text
//! cargo run --release -p stockade-audit --example audit_bench -- [SIZE_MB] [PATH]
//! ```
//!
//! Generates `PATH` (default `target/audit-bench/audit.log`, 1024 MB) once — a mix modelled on a
//! busy cluster: controller and kubelet traffic at Metadata, people's requests, RBAC and pod
//! writes with request/response bodies, denials, execs and secret reads that raise alerts —
//! then analyses it three times and prints MB/s per run and the peak resident memory.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;
use stockade_audit::analyzer::{Analyzer, AnalyzerOptions};
use stockade_audit::config::AuditSettings;
use stockade_audit::reader;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let size_mb: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let path = args.get(2).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/audit-bench/audit.log")
    });
    let want = size_mb << 20;
    if std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) < want {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let t = Instant::now();
        generate(&path, want)?;
        eprintln!(
            "generated {} ({} MB) in {:.1}s",
            path.display(),
            size_mb,
            t.elapsed().as_secs_f64()
        );
    }
    let mut settings = AuditSettings::default();
    settings.enable("audit").map_err(std::io::Error::other)?;
    for run in 1..=3 {
        let t = Instant::now();
        let mut analyzer = Analyzer::new(&settings, AnalyzerOptions::default());
        let mut alerts = 0u64;
        let bytes = analyzer.analyze_reader("bench", reader::open(&path)?, &mut |_| alerts += 1)?;
        let secs = t.elapsed().as_secs_f64();
        eprintln!(
            "run {run}: {:.0} MB in {secs:.2}s = {:.0} MB/s; {} events, {} requests, {alerts} alerts, {} bad lines",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / secs,
            analyzer.summary.events,
            analyzer.summary.requests,
            analyzer.summary.bad_lines
        );
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(l) = status.lines().find(|l| l.starts_with("VmHWM"))
    {
        eprintln!(
            "peak resident memory: {}",
            l.trim_start_matches("VmHWM:").trim()
        );
    }
    Ok(())
}

/// A small deterministic generator (xorshift), so every run writes the same log.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const SYSTEM: &[(&str, &str)] = &[
    (
        "system:kube-controller-manager",
        "kube-controller-manager/v1.36.3 (linux/amd64) kubernetes/abcdef0/shared-informers",
    ),
    (
        "system:kube-scheduler",
        "kube-scheduler/v1.36.3 (linux/amd64) kubernetes/abcdef0/scheduler",
    ),
    (
        "system:node:node-1",
        "kubelet/v1.36.3 (linux/amd64) kubernetes/abcdef0",
    ),
    (
        "system:node:node-2",
        "kubelet/v1.36.3 (linux/amd64) kubernetes/abcdef0",
    ),
    (
        "system:serviceaccount:kube-system:coredns",
        "coredns/v1.12.0 (linux/amd64) kubernetes/abcdef0",
    ),
    (
        "system:apiserver",
        "kube-apiserver/v1.36.3 (linux/amd64) kubernetes/abcdef0",
    ),
];
const PEOPLE: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "dave",
    "system:serviceaccount:ci:deployer",
];
const RESOURCES: &[(&str, &str)] = &[
    ("", "pods"),
    ("", "configmaps"),
    ("", "services"),
    ("", "endpoints"),
    ("apps", "deployments"),
    ("apps", "replicasets"),
    ("coordination.k8s.io", "leases"),
    ("", "events"),
    ("", "nodes"),
    ("", "secrets"),
];
const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "prod",
    "staging",
    "monitoring",
    "ci",
];

fn generate(path: &PathBuf, want: u64) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut written = 0u64;
    let mut i = 0u64;
    let pod_body = r#"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-7d9f8c","namespace":"prod","labels":{"app":"web","tier":"frontend","pod-template-hash":"7d9f8c"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8c","uid":"0b6f2f4e-8a7e-4c1e-9c55-2a7c1a1d9e10","controller":true,"blockOwnerDeletion":true}]},"spec":{"containers":[{"name":"web","image":"registry.example.com/web:1.4.2","ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"memory":"256Mi"}},"securityContext":{"allowPrivilegeEscalation":false,"runAsNonRoot":true,"capabilities":{"drop":["ALL"]}},"volumeMounts":[{"name":"kube-api-access-x","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","readOnly":true}]}],"serviceAccountName":"web","volumes":[{"name":"kube-api-access-x","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}}]}}]}}"#;
    let role_body = r#"{"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"reader","namespace":"prod"},"rules":[{"apiGroups":[""],"resources":["pods","services","configmaps"],"verbs":["get","list","watch"]},{"apiGroups":["apps"],"resources":["deployments"],"verbs":["get","list"]}]}"#;
    while written < want {
        i += 1;
        let secs = i / 2000;
        let ts = format!(
            "2026-03-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            1 + (secs / 86_400) % 28,
            (secs / 3600) % 24,
            (secs / 60) % 60,
            secs % 60,
            (i * 37) % 1_000_000
        );
        let kind = rng.below(100);
        let (user, agent, groups) = if kind < 70 {
            let (u, a) = SYSTEM[rng.below(SYSTEM.len() as u64) as usize];
            (u.to_string(), a.to_string(), r#"["system:authenticated"]"#)
        } else {
            let u = PEOPLE[rng.below(PEOPLE.len() as u64) as usize];
            (
                u.to_string(),
                "kubectl/v1.36.0 (linux/amd64) kubernetes/abcdef0".to_string(),
                r#"["dev","system:authenticated"]"#,
            )
        };
        let (group, resource) = RESOURCES[rng.below(RESOURCES.len() as u64) as usize];
        let ns = NAMESPACES[rng.below(NAMESPACES.len() as u64) as usize];
        let verb = ["get", "list", "watch", "update", "patch", "create"][rng.below(6) as usize];
        let code = match rng.below(100) {
            0..=2 => 403,
            3 => 404,
            _ if verb == "create" => 201,
            _ => 200,
        };
        let ip = format!("10.0.{}.{}", rng.below(4), 1 + rng.below(250));
        let prefix = if group.is_empty() {
            "/api/v1".to_string()
        } else {
            format!("/apis/{group}/v1")
        };
        let name = format!("obj-{}", rng.below(5000));
        let (level, bodies, subresource) = match rng.below(100) {
            0..=7 if resource == "pods" => (
                "RequestResponse",
                format!(r#","requestObject":{pod_body},"responseObject":{pod_body}"#),
                "",
            ),
            8..=9 => (
                "RequestResponse",
                format!(r#","requestObject":{role_body},"responseObject":{role_body}"#),
                "",
            ),
            10 if resource == "pods" => ("Metadata", String::new(), "exec"),
            _ => ("Metadata", String::new(), ""),
        };
        let (group, resource) = if bodies.contains("\"kind\":\"Role\"") {
            ("rbac.authorization.k8s.io", "roles")
        } else {
            (group, resource)
        };
        let object = format!(
            r#"{{"resource":"{resource}","namespace":"{ns}","name":"{name}"{}{},"apiVersion":"v1"}}"#,
            if group.is_empty() {
                String::new()
            } else {
                format!(r#","apiGroup":"{group}""#)
            },
            if subresource.is_empty() {
                String::new()
            } else {
                format!(r#","subresource":"{subresource}""#)
            }
        );
        let decision = if code == 403 { "forbid" } else { "allow" };
        let status = if code >= 400 {
            format!(
                r#"{{"metadata":{{}},"status":"Failure","message":"{resource} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" in the namespace \"{ns}\"","reason":"Forbidden","details":{{"kind":"{resource}"}},"code":{code}}}"#
            )
        } else {
            format!(r#"{{"metadata":{{}},"code":{code}}}"#)
        };
        let line = format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"{level}","auditID":"{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}","stage":"ResponseComplete","requestURI":"{prefix}/namespaces/{ns}/{resource}/{name}","verb":"{verb}","user":{{"username":"{user}","uid":"uid-{i}","groups":{groups}}},"sourceIPs":["{ip}"],"userAgent":"{agent}","objectRef":{object},"responseStatus":{status}{bodies},"requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"{decision}","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller\" of ClusterRole \"system:controller\" to User \"{user}\""}}}}"#,
            rng.next() as u32,
            rng.below(0x10000),
            rng.below(0x1000),
            rng.below(0x1000),
            rng.next() & 0xffff_ffff_ffff,
        );
        w.write_all(line.as_bytes())?;
        w.write_all(b"\n")?;
        written += line.len() as u64 + 1;
    }
    w.flush()
}
