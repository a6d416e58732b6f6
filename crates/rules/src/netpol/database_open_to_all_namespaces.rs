use crate::netpol::helpers::{KINDS, POLICIES, labels_path};
use crate::{Checker, Family, declare_rule};
use stockade_model::{Control, Severity};
use stockade_netpol::{PeerKind, Protocol};

declare_rule! {
    /// ## What it does
    /// Flags workloads that serve a well-known database or data-store port (PostgreSQL 5432,
    /// MySQL 3306, SQL Server 1433, Oracle 1521, MongoDB 27017, Redis 6379, Cassandra 9042,
    /// Elasticsearch 9200, CouchDB 5984, Memcached 11211, etcd 2379, CockroachDB 26257,
    /// InfluxDB 8086, or the `ports` option) and accept it from every namespace: either no
    /// policy selects them for ingress, or a rule allowing that port has no peers, a
    /// `namespaceSelector: {}` peer, or an `ipBlock` of every address.
    ///
    /// ## Why is this risky?
    /// Databases hold the data attackers want and often trust the network. Reachable from every
    /// namespace, one compromised pod anywhere in the cluster can try credentials, exploit the
    /// server or read unauthenticated stores such as Redis and Memcached.
    ///
    /// ## Example
    /// ```yaml
    /// ingress:
    /// - from:
    ///   - namespaceSelector: {}
    ///   ports:
    ///   - port: 5432
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// ingress:
    /// - from:
    ///   - podSelector:
    ///       matchLabels: {app: api}
    ///   ports:
    ///   - port: 5432
    /// ```
    ///
    /// ## Options
    /// - `ports` (list of numbers): the TCP ports that identify a data store.
    ///
    /// ## Known limitations
    /// Data stores are recognised by the container ports they declare; one serving on an
    /// undeclared or unusual port is not.
    ///
    /// ## References
    /// - NSA-CISA Kubernetes Hardening Guide, "Network policies"
    /// - MITRE ATT&CK T1046
    pub static DATABASE_OPEN_TO_ALL_NAMESPACES = Rule {
        id: "NP008",
        name: "database-open-to-all-namespaces",
        family: Family::Network,
        severity: Severity::High,
        kinds: KINDS,
        needs: POLICIES,
        controls: &[Control::nsa("network/network-policies"), Control::mitre("T1046")],
        since: "0.1.0",
        summary: "database port accepts connections from every namespace",
        remediation: "Allow the database port only from the pods that use it (podSelector, with a namespaceSelector for other namespaces).",
        options: &[crate::RuleOption {
            name: "ports",
            help: "TCP ports that identify a database or data store",
            default: "[5432, 3306, 1433, 1521, 27017, 6379, 9042, 9200, 5984, 11211, 2379, 26257, 8086]",
        }],
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let db_ports: Vec<u16> = match cx.option("ports") {
        Some(serde_json::Value::Array(v)) => v
            .iter()
            .filter_map(|x| x.as_u64().and_then(|n| u16::try_from(n).ok()))
            .collect(),
        _ => Vec::new(),
    };
    let m = cx.netpol();
    for (wi, w) in m.workloads.iter().enumerate() {
        if w.host_network || w.object.is_controlled() {
            continue;
        }
        let served: Vec<u16> = w
            .ports
            .iter()
            .filter(|p| p.protocol == Protocol::Tcp && db_ports.contains(&p.port))
            .map(|p| p.port)
            .collect();
        if served.is_empty() {
            continue;
        }
        if m.ingress_policies[wi].is_empty() {
            cx.report(
                w.object,
                labels_path(w),
                format!(
                    "database port(s) {} accept connections from every namespace: no NetworkPolicy selects these pods for ingress",
                    join(&served)
                ),
            );
            continue;
        }
        for &pi in &m.ingress_policies[wi] {
            let p = &m.policies[pi];
            for r in &p.ingress {
                let ports = r.port_set(Some(&w.ports));
                let open: Vec<u16> = served
                    .iter()
                    .copied()
                    .filter(|n| ports.contains(Protocol::Tcp, *n))
                    .collect();
                if open.is_empty() {
                    continue;
                }
                let everyone = r.all_peers()
                    || r.peers.iter().any(|peer| match &peer.kind {
                        PeerKind::Pods {
                            namespaces: Some(ns),
                            pods,
                        } => ns.is_empty() && pods.as_ref().is_none_or(|s| s.is_empty()),
                        PeerKind::IpBlock { cidr, except } => {
                            cidr.is_everything() && except.is_empty()
                        }
                        _ => false,
                    });
                if everyone {
                    cx.report(
                        p.object,
                        r.path.clone(),
                        format!(
                            "rule lets every namespace reach database port(s) {} of {}",
                            join(&open),
                            w.id()
                        ),
                    );
                }
            }
        }
    }
}

fn join(ports: &[u16]) -> String {
    ports
        .iter()
        .map(|p| format!("{p}/TCP"))
        .collect::<Vec<_>>()
        .join(", ")
}
