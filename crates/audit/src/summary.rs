//! The run summary: how much was read, who did what, what was denied, which rules alerted.
//! Counters of distinct values (users, verbs, resources) are capped; values past the cap are
//! counted under `(other)`, so the summary is bounded like everything else.

use crate::event::{Event, display_user};
use crate::time::Micros;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Distinct values kept per counter.
const MAX_KEYS: usize = 10_000;
/// Entries shown per "top" list.
pub const TOP: usize = 10;

/// Counts of distinct values, capped.
#[derive(Debug, Default, Clone)]
pub struct Counter {
    counts: HashMap<String, u64>,
    other: u64,
}

impl Counter {
    /// Counts one occurrence of `key`.
    pub fn add(&mut self, key: &str) {
        if let Some(c) = self.counts.get_mut(key) {
            *c += 1;
        } else if self.counts.len() < MAX_KEYS {
            self.counts.insert(key.to_string(), 1);
        } else {
            self.other += 1;
        }
    }

    /// Distinct values counted (at most the cap).
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// Whether values were lumped together because the cap was reached.
    pub fn overflowed(&self) -> bool {
        self.other > 0
    }

    /// The most frequent values, most frequent first (ties by value).
    pub fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = self.counts.iter().map(|(k, c)| (k.clone(), *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        if self.other > 0 {
            v.push(("(other)".to_string(), self.other));
        }
        v
    }
}

/// What a run saw.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Inputs read.
    pub inputs: usize,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Events parsed (every stage).
    pub events: u64,
    /// Requests analysed (one final event per request, inside `--since/--until`).
    pub requests: u64,
    /// Lines that were not events.
    pub bad_lines: u64,
    /// Requests outside `--since/--until`.
    pub out_of_range: u64,
    /// Earliest request time seen.
    pub first: Option<(Micros, String)>,
    /// Latest request time seen.
    pub last: Option<(Micros, String)>,
    /// Requests per user.
    pub users: Counter,
    /// Requests per verb.
    pub verbs: Counter,
    /// Requests per resource (`group/resource[/subresource]`).
    pub resources: Counter,
    /// Requests answered 401 (authentication failed).
    pub unauthorized: u64,
    /// Requests answered 403 (authorization or admission denied).
    pub forbidden: u64,
    /// Denied (401/403) requests per user.
    pub denied_users: Counter,
    /// Alerts per rule id.
    pub alerts_by_rule: BTreeMap<&'static str, u64>,
}

impl Summary {
    /// Counts one analysed request.
    pub fn count(&mut self, ev: &Event<'_>, time: Option<Micros>) {
        self.requests += 1;
        let user = display_user(&ev.user.username);
        self.users.add(user);
        self.verbs.add(&ev.verb);
        if let Some(o) = &ev.object_ref {
            let mut key = String::with_capacity(48);
            if !o.api_group.is_empty() {
                key.push_str(&o.api_group);
                key.push('/');
            }
            key.push_str(&o.resource);
            if !o.subresource.is_empty() {
                key.push('/');
                key.push_str(&o.subresource);
            }
            self.resources.add(&key);
        } else {
            self.resources.add("(non-resource)");
        }
        match ev.code() {
            401 => {
                self.unauthorized += 1;
                self.denied_users.add(user);
            }
            403 => {
                self.forbidden += 1;
                self.denied_users.add(user);
            }
            _ => {}
        }
        if let Some(t) = time {
            if self.first.as_ref().is_none_or(|(f, _)| t < *f) {
                self.first = Some((t, ev.timestamp().to_string()));
            }
            if self.last.as_ref().is_none_or(|(l, _)| t > *l) {
                self.last = Some((t, ev.timestamp().to_string()));
            }
        }
    }

    /// Total alerts.
    pub fn alerts(&self) -> u64 {
        self.alerts_by_rule.values().sum()
    }

    /// The summary as JSON (the `auditSummary` object of docs/audit-log.md).
    pub fn to_json(&self) -> serde_json::Value {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Top {
            name: String,
            count: u64,
        }
        let top = |c: &Counter| {
            c.top(TOP)
                .into_iter()
                .map(|(name, count)| Top { name, count })
                .collect::<Vec<_>>()
        };
        serde_json::json!({
            "inputs": self.inputs,
            "bytes": self.bytes,
            "lines": self.lines,
            "events": self.events,
            "requests": self.requests,
            "badLines": self.bad_lines,
            "outOfRange": self.out_of_range,
            "firstRequest": self.first.as_ref().map(|f| f.1.clone()),
            "lastRequest": self.last.as_ref().map(|l| l.1.clone()),
            "users": self.users.distinct(),
            "topUsers": top(&self.users),
            "topVerbs": top(&self.verbs),
            "topResources": top(&self.resources),
            "denied": {"unauthorized": self.unauthorized, "forbidden": self.forbidden, "topUsers": top(&self.denied_users)},
            "alertsByRule": self.alerts_by_rule,
            "alerts": self.alerts(),
        })
    }
}
