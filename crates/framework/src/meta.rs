//! What every rule is, whatever it judges.

use stockade_model::{Control, Framework, Severity};

/// A family of rules; the id prefix says which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// Workload hardening (`WL`).
    Workload,
    /// Pod Security Standards, exactly as the PodSecurity admission (`PSS`).
    PodSecurity,
    /// RBAC risky grants and escalation paths (`RB`).
    Rbac,
    /// Network policy coverage (`NP`).
    Network,
    /// Unused and orphaned objects (`HY`).
    Hygiene,
    /// Credentials in manifests and configuration, found by what they are (`SC`).
    Secrets,
    /// Threats seen in audit events, and gaps in audit policies (`AU`).
    Audit,
}

impl Family {
    /// Every family, in registry order.
    pub const ALL: [Family; 7] = [
        Family::Workload,
        Family::PodSecurity,
        Family::Rbac,
        Family::Network,
        Family::Hygiene,
        Family::Secrets,
        Family::Audit,
    ];

    /// The id prefix, e.g. `WL`.
    pub fn prefix(self) -> &'static str {
        match self {
            Family::Workload => "WL",
            Family::PodSecurity => "PSS",
            Family::Rbac => "RB",
            Family::Network => "NP",
            Family::Hygiene => "HY",
            Family::Secrets => "SC",
            Family::Audit => "AU",
        }
    }

    /// The name used in config files, filters and fixture directories.
    pub fn name(self) -> &'static str {
        match self {
            Family::Workload => "workload",
            Family::PodSecurity => "pss",
            Family::Rbac => "rbac",
            Family::Network => "network",
            Family::Hygiene => "hygiene",
            Family::Secrets => "secrets",
            Family::Audit => "audit",
        }
    }

    /// Parses a family name or prefix.
    pub fn parse(s: &str) -> Option<Family> {
        Family::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s) || f.prefix().eq_ignore_ascii_case(s))
    }
}

/// An option a rule accepts in `.stockade.yaml` (`rules.options.<id>.<name>`).
#[derive(Debug)]
pub struct RuleOption {
    /// Option name (kebab-case).
    pub name: &'static str,
    /// What it does.
    pub help: &'static str,
    /// The default value, as JSON text.
    pub default: &'static str,
}

/// What a rule runs on. The analyzer of that input calls the rule's check; everything else
/// (listing, docs, settings, findings) only needs the [`Meta`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Each object of [`Meta::kinds`] in the inventory (manifests or a live cluster).
    Objects,
    /// The whole inventory at once, for relations between objects (it still lists the kinds it
    /// reads, so it can be skipped when none is present).
    Inventory,
    /// Audit events (`stockade audit-log analyze`, `audit-log serve`).
    AuditEvents,
    /// An audit Policy file (`stockade audit-log policy`).
    AuditPolicy,
}

impl Source {
    /// What it reads, for docs and `stockade rules`.
    pub fn reads(self) -> &'static str {
        match self {
            Source::Objects | Source::Inventory => "objects",
            Source::AuditEvents => "events",
            Source::AuditPolicy => "policy",
        }
    }
}

/// A rule's identity, metadata and documentation.
#[derive(Debug)]
pub struct Meta {
    /// Stable id with the family prefix, never reused (`WL001`).
    pub id: &'static str,
    /// Kebab-case name of the pattern flagged (`privileged-container`).
    pub name: &'static str,
    /// The family.
    pub family: Family,
    /// Default severity.
    pub severity: Severity,
    /// Whether it runs unless configured otherwise.
    pub default_enabled: bool,
    /// What it runs on.
    pub source: Source,
    /// The kinds it reads (object and inventory rules).
    pub kinds: &'static [&'static str],
    /// The kinds it must see completely to conclude anything: a rule that reports something
    /// missing, unused or selecting nothing names the kinds whose absence it concludes from.
    /// When one of them was not read (a live scan whose credentials may not list it), the
    /// engine does not run the rule and reports it as not assessed.
    pub needs: &'static [&'static str],
    /// Framework controls it maps to.
    pub controls: &'static [Control],
    /// The Stockade version that introduced it.
    pub since: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// How to fix a finding (or respond to an alert), in one or two sentences.
    pub remediation: &'static str,
    /// Options it accepts.
    pub options: &'static [RuleOption],
    /// Rules that report the same fact as this one. When one of them reports the same field of
    /// the same object in a run, this rule's finding there is left out, so a condition is said
    /// once; those rules carry this rule's controls (a meta-test checks it). A rule that does
    /// not fire, or is disabled, leaves this one's finding in place.
    pub same_fact_as: &'static [&'static str],
    /// Whether `stockade webhook serve` judges objects with it as they are created or updated.
    /// Posture rules (an object nothing uses yet, a binding whose subject does not exist yet, a
    /// missing PodDisruptionBudget) are `false`: at admission the objects they look for are
    /// often created in the same apply, a moment later.
    pub admission: bool,
    /// The user documentation (markdown), from the doc comment.
    pub docs: &'static str,
    /// The file that declares it.
    pub source_file: &'static str,
}

/// Defaults for what a declaration leaves out: enabled, no options, no kinds, per object.
pub const BASE: Meta = Meta {
    id: "",
    name: "",
    family: Family::Workload,
    severity: Severity::Info,
    default_enabled: true,
    source: Source::Objects,
    kinds: &[],
    needs: &[],
    controls: &[],
    since: "",
    summary: "",
    remediation: "",
    options: &[],
    same_fact_as: &[],
    admission: true,
    docs: "",
    source_file: "",
};

impl Meta {
    /// The default value of an option.
    pub fn option_default(&self, name: &str) -> Option<serde_json::Value> {
        let o = self.options.iter().find(|o| o.name == name)?;
        serde_json::from_str(o.default).ok()
    }

    /// The kinds as `stockade rules -o json` lists them (audit rules name what they read).
    pub fn listed_kinds(&self) -> Vec<&'static str> {
        match self.source {
            Source::Objects | Source::Inventory => self.kinds.to_vec(),
            Source::AuditEvents => vec!["audit.k8s.io/v1 Event"],
            Source::AuditPolicy => vec!["audit.k8s.io/v1 Policy"],
        }
    }

    /// The rule as `stockade rules -o json` lists it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "name": self.name, "family": self.family.name(),
            "severity": self.severity, "enabledByDefault": self.default_enabled,
            "kinds": self.listed_kinds(), "controls": self.controls,
            "summary": self.summary, "remediation": self.remediation, "since": self.since,
            "options": self.options.iter().map(|o| serde_json::json!({
                "name": o.name, "help": o.help,
                "default": serde_json::from_str::<serde_json::Value>(o.default).unwrap_or_default(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// Whether a rule maps to a framework, optionally to a control or its sub-controls (`5.1`
/// matches `5.1.1`), as `stockade rules --framework` filters.
pub fn maps_to(r: &Meta, framework: Framework, control: Option<&str>) -> bool {
    r.controls.iter().any(|c| {
        c.framework == framework
            && control.is_none_or(|id| {
                c.id == id || (c.id.starts_with(id) && c.id[id.len()..].starts_with('.'))
            })
    })
}
