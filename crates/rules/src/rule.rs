//! What a rule is and how it reports.

use crate::Views;
use serde_json::Value as Json;
pub use stockade_framework::{Family, Meta, RuleOption};
use stockade_inventory::{Inventory, Object, PodSpecView};
use stockade_model::{FieldPath, Severity};

/// One object or inventory rule: its metadata and its check.
#[derive(Debug)]
pub struct Rule {
    /// Identity, metadata and docs, shared with every family.
    pub meta: Meta,
    /// The per-object check, called for every object of `meta.kinds`.
    pub check: fn(&mut Checker<'_>, &Object),
    /// A check over the whole inventory, called once, for rules about relations between objects
    /// (e.g. a namespace without any network policy). `kinds` still lists what it reads, so
    /// the engine can skip it when none is present.
    pub inventory_check: Option<fn(&mut Checker<'_>)>,
}

impl std::ops::Deref for Rule {
    type Target = Meta;
    fn deref(&self) -> &Meta {
        &self.meta
    }
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
}

fn no_check(_: &mut Checker<'_>, _: &Object) {}

/// Defaults for what a `declare_rule!` leaves out: [`stockade_framework::BASE`] metadata, a
/// `check` that does nothing and no `inventory_check`.
pub const BASE: Rule = Rule {
    meta: stockade_framework::BASE,
    check: no_check,
    inventory_check: None,
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

    /// [`Checker::report_sensitive`] with a severity other than the rule's default.
    pub fn report_sensitive_with_severity(
        &mut self,
        object: &Object,
        path: FieldPath,
        severity: Severity,
        message: impl Into<String>,
    ) {
        self.push(object, path, message.into(), true, Some(severity));
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
