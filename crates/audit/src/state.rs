//! State that outlives one event, for the rules that need history: denial bursts per user
//! (a sliding window), first-seen source addresses and clients per user, secret listings per
//! user, and already-reported deprecated API uses.
//!
//! Every table is bounded: when a table is full the least recently used entries are dropped,
//! so memory does not depend on how long the log is. The first-seen table can be saved to and
//! loaded from a state file so `new-source-for-user` remembers across runs.

use crate::time::Micros;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A map that keeps at most `cap` entries, dropping the least recently used (in batches of a
/// tenth, so the cost is amortised O(1) per insert).
#[derive(Debug)]
pub struct Lru<K, V> {
    map: HashMap<K, (V, u64)>,
    cap: usize,
    tick: u64,
    evicted: u64,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    /// An empty table holding at most `cap` entries.
    pub fn new(cap: usize) -> Self {
        Lru {
            map: HashMap::new(),
            cap: cap.max(1),
            tick: 0,
            evicted: 0,
        }
    }

    /// The entry for `key`, created with `make` when missing; marks it used.
    pub fn entry_or(&mut self, key: &K, make: impl FnOnce() -> V) -> &mut V {
        self.tick += 1;
        let tick = self.tick;
        if self.map.len() >= self.cap && !self.map.contains_key(key) {
            self.evict();
        }
        let e = self
            .map
            .entry(key.clone())
            .or_insert_with(|| (make(), tick));
        e.1 = tick;
        &mut e.0
    }

    /// The entry for `key`, if present (marks it used).
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(key).map(|e| {
            e.1 = tick;
            &mut e.0
        })
    }

    fn evict(&mut self) {
        let drop = (self.cap / 10).max(1);
        let mut ticks: Vec<u64> = self.map.values().map(|(_, t)| *t).collect();
        let cut_at = drop.min(ticks.len()) - 1;
        let (_, cut, _) = ticks.select_nth_unstable(cut_at);
        let cut = *cut;
        let before = self.map.len();
        self.map.retain(|_, (_, t)| *t > cut);
        self.evicted += (before - self.map.len()) as u64;
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Entries dropped so far to stay within the cap.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Iterates over entries (in no particular order).
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter().map(|(k, (v, _))| (k, v))
    }
}

/// Caps on the state tables.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Users tracked per table.
    pub users: usize,
    /// Source addresses remembered per user.
    pub ips_per_user: usize,
    /// Clients (user-agent products) remembered per user.
    pub agents_per_user: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            users: 100_000,
            ips_per_user: 64,
            agents_per_user: 32,
        }
    }
}

/// Recent denials of one user.
#[derive(Debug, Default)]
pub struct Denials {
    /// Times of denials inside the window, oldest first (at most the threshold).
    pub times: VecDeque<Micros>,
    /// When the last burst alert was raised (no new alert until the window has passed).
    pub alerted_at: Option<Micros>,
}

/// What has been seen of one user.
#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Seen {
    /// Source addresses, most recent last.
    #[serde(default)]
    pub ips: Vec<String>,
    /// Client products (user agent up to the first `/`), most recent last.
    #[serde(default)]
    pub agents: Vec<String>,
}

/// Secret listings of one user inside the window.
#[derive(Debug, Default)]
pub struct Listings {
    /// (namespace, time) of recent listings, one per namespace, oldest first.
    pub namespaces: VecDeque<(String, Micros)>,
    /// When the last alert was raised.
    pub alerted_at: Option<Micros>,
}

/// All rule state.
#[derive(Debug)]
pub struct State {
    /// Caps.
    pub limits: Limits,
    /// `denied-request-burst`.
    pub denials: Lru<String, Denials>,
    /// `new-source-for-user`.
    pub seen: Lru<String, Seen>,
    /// `bulk-secret-listing`.
    pub listings: Lru<String, Listings>,
    /// `deprecated-api-used`: (user, api, user agent) already reported.
    pub deprecated: Lru<(String, String, String), ()>,
}

impl Default for State {
    fn default() -> Self {
        State::new(Limits::default())
    }
}

impl State {
    /// Empty state with the given caps.
    pub fn new(limits: Limits) -> Self {
        State {
            limits,
            denials: Lru::new(limits.users),
            seen: Lru::new(limits.users),
            listings: Lru::new(limits.users),
            deprecated: Lru::new(limits.users),
        }
    }

    /// Loads the first-seen table from a state file written by [`State::save_seen`].
    pub fn load_seen(&mut self, text: &str) -> Result<usize, String> {
        let file: SeenFile = serde_json::from_str(text)
            .map_err(|e| format!("not a Stockade audit state file: {e}"))?;
        if file.version != 1 {
            return Err(format!(
                "state file version {} is not supported (expected 1)",
                file.version
            ));
        }
        let n = file.users.len();
        for (user, mut seen) in file.users {
            seen.ips.truncate(self.limits.ips_per_user);
            seen.agents.truncate(self.limits.agents_per_user);
            *self.seen.entry_or(&user, Seen::default) = seen;
        }
        Ok(n)
    }

    /// The first-seen table as a state file (JSON, users sorted for stable diffs).
    pub fn save_seen(&self) -> String {
        let users: std::collections::BTreeMap<String, Seen> = self
            .seen
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        serde_json::to_string_pretty(&SeenFile { version: 1, users }).unwrap_or_default()
    }
}

#[derive(Serialize, Deserialize)]
struct SeenFile {
    version: u32,
    users: std::collections::BTreeMap<String, Seen>,
}

/// Adds `value` to a most-recent-last list capped at `cap`; returns whether it was new.
pub fn remember(list: &mut Vec<String>, value: &str, cap: usize) -> bool {
    if let Some(i) = list.iter().position(|v| v == value) {
        let v = list.remove(i);
        list.push(v);
        return false;
    }
    if list.len() >= cap.max(1) {
        list.remove(0);
    }
    list.push(value.to_string());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_stays_within_its_cap_and_keeps_recent_entries() {
        let mut l: Lru<u32, u32> = Lru::new(100);
        for i in 0..10_000 {
            *l.entry_or(&i, || 0) += 1;
            // Keep key 0 hot.
            l.get_mut(&0);
        }
        assert!(l.len() <= 100);
        assert!(l.get_mut(&0).is_some());
        assert!(l.get_mut(&9_999).is_some());
        assert!(l.evicted() >= 9_900);
    }

    #[test]
    fn seen_round_trips_through_the_state_file() {
        let mut s = State::default();
        s.seen.entry_or(&"alice".to_string(), Seen::default).ips = vec!["10.0.0.1".into()];
        let text = s.save_seen();
        let mut t = State::default();
        assert_eq!(t.load_seen(&text), Ok(1));
        assert_eq!(
            t.seen.get_mut(&"alice".to_string()).map(|x| x.ips.clone()),
            Some(vec!["10.0.0.1".to_string()])
        );
        assert!(t.load_seen("{}").is_err());
        assert!(t.load_seen(r#"{"version":2,"users":{}}"#).is_err());
    }

    #[test]
    fn remember_caps_and_reorders() {
        let mut v = Vec::new();
        assert!(remember(&mut v, "a", 2));
        assert!(remember(&mut v, "b", 2));
        assert!(!remember(&mut v, "a", 2));
        assert!(remember(&mut v, "c", 2));
        assert_eq!(v, ["a", "c"]);
    }
}
