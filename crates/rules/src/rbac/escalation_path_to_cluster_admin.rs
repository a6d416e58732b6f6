use crate::rbac::helpers::{KINDS, is_users, model};
use crate::{Checker, Family, RuleOption, declare_rule};
use stockade_model::{Control, Severity};
use stockade_rbac::{Binding, Graph, Principal, Target};

declare_rule! {
    /// ## What it does
    /// Finds subjects of the inputs' bindings that are not cluster-admin but can become
    /// cluster-admin-equivalent in a few steps, and reports the shortest chain, each step
    /// explained. Steps: creating pods or workloads in a namespace (→ its ServiceAccounts),
    /// creating ServiceAccount tokens, impersonation, `bind` plus writing a binding, `escalate`
    /// on a held ClusterRole, exec into pods (→ the ServiceAccount they run as) and reading
    /// legacy token Secrets. `stockade rbac paths` shows the same chains interactively.
    ///
    /// ## Why is this risky?
    /// Reviews look at one binding at a time; attackers chain them. "Can create pods in
    /// kube-system" looks narrow until one sees the ServiceAccounts that live there.
    ///
    /// ## Example
    /// ```yaml
    /// kind: RoleBinding
    /// metadata: {name: ci-pods, namespace: kube-system}
    /// roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-maker}  # create pods
    /// subjects:
    /// - {kind: ServiceAccount, name: ci, namespace: tools}
    /// ```
    ///
    /// ## Use instead
    /// Give the CI ServiceAccount rights only in the namespaces it deploys to, and keep
    /// privileged ServiceAccounts in namespaces nobody else can create pods in.
    ///
    /// ## Options
    /// `max-steps`: the longest chain looked for (default 3).
    ///
    /// ## Known limitations
    /// Admission control (Pod Security, policy engines) that would stop a malicious pod is not
    /// modelled; nor are node-level escapes. ServiceAccounts are known from the inputs
    /// (ServiceAccount objects, binding subjects, workloads); the API server's own defaults are
    /// included, so paths through its controller ServiceAccounts are found.
    ///
    /// ## References
    /// - Kubernetes: RBAC good practices, "Privilege escalation risks"
    /// - MITRE ATT&CK T1068 Exploitation for Privilege Escalation
    pub static ESCALATION_PATH_TO_CLUSTER_ADMIN = Rule {
        id: "RB019",
        name: "escalation-path-to-cluster-admin",
        family: Family::Rbac,
        severity: Severity::Critical,
        kinds: KINDS,
        controls: &[Control::nsa("authn-authz/rbac"), Control::mitre("T1068"), Control::mitre("T1098.006")],
        since: "0.1.0",
        summary: "subject can escalate to cluster-admin through a chain of grants",
        remediation: "Break the first step of the chain: remove the grant it uses, or move the powerful ServiceAccount out of reach.",
        options: &[RuleOption { name: "max-steps", help: "longest chain looked for, in identity changes", default: "3" }],
        inventory_check: Some(check),
    };
}

fn check(cx: &mut Checker<'_>) {
    let max = cx
        .option("max-steps")
        .and_then(|v| v.as_u64())
        .map_or(3, |v| v.min(10) as usize);
    let m = model(cx);
    let mut g = Graph::new(m, cx.inv);
    for p in g.sources() {
        if is_system(&p) {
            continue;
        }
        let Some(chain) = g.shortest(&p, Target::ClusterAdmin, max) else {
            continue;
        };
        // Report on the user binding that grants the first step, else on the first user
        // binding that lists the subject: one finding per subject.
        let first = chain.steps.first().map(|s| s.how.as_str()).unwrap_or("");
        let listing: Vec<(&Binding<'_>, usize)> = m
            .bindings
            .iter()
            .filter(|b| is_users(b.object, b.builtin))
            .filter_map(|b| {
                b.subjects
                    .iter()
                    .find(|s| Principal::of_subject(s).as_ref() == Some(&p))
                    .map(|s| (b, s.index))
            })
            .collect();
        let Some(&(b, si)) = listing
            .iter()
            .find(|(b, _)| first.contains(&format!("{} →", b.display())))
            .or_else(|| listing.first())
        else {
            continue;
        };
        let steps: Vec<String> = chain
            .steps
            .iter()
            .map(|st| match &st.to {
                Some(to) => format!("{} {} → {to}", st.from, st.how),
                None => format!("{} {}", st.from, st.how),
            })
            .collect();
        cx.report(
            b.object,
            b.subject_path(si),
            format!(
                "{p} can reach cluster-admin in {} step(s): {}",
                chain.steps.len(),
                steps.join("; then ")
            ),
        );
    }
}

fn is_system(p: &Principal) -> bool {
    match p {
        Principal::User { name } | Principal::Group { name } => name.starts_with("system:"),
        Principal::ServiceAccount { namespace, .. } => namespace == "kube-system",
        Principal::RoleHolder { .. } => false,
    }
}
