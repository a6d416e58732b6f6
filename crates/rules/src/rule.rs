//! What a rule is and how it reports.

use crate::Views;
use serde_json::Value as Json;
use stockade_inventory::{Inventory, Object, PodSpecView};
use stockade_model::{Control, FieldPath, Severity};

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
    /// Threats seen in audit events (`AU`).
    Audit,
}

impl Family {
    /// Every family.
    pub const ALL: [Family; 6] = [
        Family::Workload,
        Family::PodSecurity,
        Family::Rbac,
        Family::Network,
        Family::Hygiene,
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

/// An option a rule accepts in `.stockade.yaml` (`rules.<id>.options.<name>`).
#[derive(Debug)]
pub struct RuleOption {
    /// Option name (kebab-case).
    pub name: &'static str,
    /// What it does.
    pub help: &'static str,
    /// The default value, as JSON text.
    pub default: &'static str,
}

/// One rule: docs, metadata and check.
#[derive(Debug)]
pub struct Rule {
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
    /// The kinds it reads; the engine only calls `check` for objects of these kinds.
    pub kinds: &'static [&'static str],
    /// Framework controls it maps to.
    pub controls: &'static [Control],
    /// The Stockade version that introduced it.
    pub since: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// How to fix a finding, in one or two sentences.
    pub remediation: &'static str,
    /// Options it accepts.
    pub options: &'static [RuleOption],
    /// The per-object check, called for every object of `kinds`.
    pub check: fn(&mut Checker<'_>, &Object),
    /// A check over the whole inventory, called once, for rules about relations between objects
    /// (e.g. a namespace without any network policy). `kinds` still lists what it reads, so
    /// the engine can skip it when none is present.
    pub inventory_check: Option<fn(&mut Checker<'_>)>,
    /// The user documentation (markdown), from the doc comment.
    pub docs: &'static str,
    /// The file that declares it.
    pub source_file: &'static str,
}

impl Rule {
    /// Runs the rule over every object of its kinds.
    pub fn run<'a>(&'static self, views: &'a Views<'a>, options: &'a Options) -> Vec<Hit<'a>> {
        let inv = views.inv;
        // Config values over parsed defaults, resolved once per run rather than on every
        // `option()` call (rules ask per object).
        let mut resolved = Options::new();
        for o in self.options {
            if let Ok(v) = serde_json::from_str(o.default) {
                resolved.insert(o.name.to_string(), v);
            }
        }
        for (k, v) in options {
            resolved.insert(k.clone(), v.clone());
        }
        let mut cx = Checker {
            inv,
            views,
            rule: self,
            options: resolved,
            current: None,
            hits: Vec::new(),
        };
        if let Some(f) = self.inventory_check {
            f(&mut cx);
            cx.current = None;
        }
        for kind in self.kinds {
            for o in inv.of_kind(kind) {
                cx.current = Some(o);
                (self.check)(&mut cx, o);
            }
        }
        cx.hits
    }

    /// The default value of an option.
    pub fn option_default(&self, name: &str) -> Option<Json> {
        let o = self.options.iter().find(|o| o.name == name)?;
        serde_json::from_str(o.default).ok()
    }
}

fn no_check(_: &mut Checker<'_>, _: &Object) {}

/// Defaults for the fields a `declare_rule!` leaves out (`check` does nothing, no
/// `inventory_check`); every rule still sets its own identity, docs and metadata.
pub const BASE: Rule = Rule {
    id: "",
    name: "",
    family: Family::Workload,
    severity: Severity::Info,
    default_enabled: true,
    kinds: &[],
    controls: &[],
    since: "",
    summary: "",
    remediation: "",
    options: &[],
    check: no_check,
    inventory_check: None,
    docs: "",
    source_file: "",
};

/// Option values set in config for one rule (JSON values by option name).
pub type Options = serde_json::Map<String, Json>;

/// A problem a rule found, before the engine turns it into a finding.
#[derive(Clone, Debug)]
pub struct Hit<'a> {
    /// The rule.
    pub rule: &'static Rule,
    /// The object.
    pub object: &'a Object,
    /// The offending field (or where the missing field belongs).
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
    /// Whether the offending field holds secret material (its value is redacted in snippets).
    pub sensitive: bool,
    /// A severity other than the rule's default, for findings worse (or milder) than usual.
    pub severity: Option<Severity>,
}

/// What a rule's `check` gets: the inventory, its options, and a way to report.
pub struct Checker<'a> {
    /// The whole inventory, for rules that look at other objects.
    pub inv: &'a Inventory,
    views: &'a Views<'a>,
    rule: &'static Rule,
    options: Options,
    current: Option<&'a Object>,
    hits: Vec<Hit<'a>>,
}

impl<'a> Checker<'a> {
    /// Reports a problem at `path` of `object`.
    pub fn report(&mut self, object: &Object, path: FieldPath, message: impl Into<String>) {
        self.push(object, path, message.into(), false, None);
    }

    /// Reports a problem with a severity other than the rule's default.
    pub fn report_with_severity(
        &mut self,
        object: &Object,
        path: FieldPath,
        severity: Severity,
        message: impl Into<String>,
    ) {
        self.push(object, path, message.into(), false, Some(severity));
    }

    /// Reports a problem whose field holds secret material: snippets of it are redacted.
    pub fn report_sensitive(
        &mut self,
        object: &Object,
        path: FieldPath,
        message: impl Into<String>,
    ) {
        self.push(object, path, message.into(), true, None);
    }

    fn push(
        &mut self,
        object: &Object,
        path: FieldPath,
        message: String,
        sensitive: bool,
        severity: Option<Severity>,
    ) {
        // The object passed in always comes from `self.inv`; find it by address so the hit
        // borrows from the inventory rather than from the caller. Almost always it is the object
        // being checked, so that is tried first.
        let o = match self.current {
            Some(c) if std::ptr::eq(c, object) => c,
            _ => match self.inv.index_of(object) {
                Some(i) => &self.inv.objects()[i],
                None => return,
            },
        };
        self.hits.push(Hit {
            rule: self.rule,
            object: o,
            path,
            message,
            sensitive,
            severity,
        });
    }

    /// The network-policy model, built once per run and shared by every rule that asks.
    pub fn netpol(&self) -> &'a stockade_netpol::Model<'a> {
        self.views.netpol()
    }

    /// The RBAC model, built once per run and shared by every rule that asks.
    pub fn rbac(&self) -> &'a stockade_rbac::Model<'a> {
        self.views.rbac()
    }

    /// Objects of `kind` whose namespace is exactly `ns`, from an index shared by the run.
    pub fn in_namespace(&self, kind: &str, ns: Option<&str>) -> &'a [&'a Object] {
        self.views.in_namespace(kind, ns)
    }

    /// The pod spec of a workload object.
    pub fn pod_spec<'o>(&self, object: &'o Object) -> Option<PodSpecView<'o>> {
        PodSpecView::of(object)
    }

    /// An option's value: from config, else the rule's default.
    pub fn option(&self, name: &str) -> Option<Json> {
        self.options.get(name).cloned()
    }

    /// A list-of-strings option.
    pub fn option_strings(&self, name: &str) -> Vec<String> {
        match self.option(name) {
            Some(Json::Array(v)) => v
                .into_iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Some(Json::String(s)) => vec![s],
            _ => Vec::new(),
        }
    }

    /// A boolean option.
    pub fn option_bool(&self, name: &str) -> bool {
        matches!(self.option(name), Some(Json::Bool(true)))
    }
}
