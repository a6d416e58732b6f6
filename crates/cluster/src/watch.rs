//! A watch cache of a few resource types (kube-rs reflectors): each type is listed, then kept
//! up to date by a watch that reconnects with backoff. Used by `webhook serve` for the context
//! its rules read (namespaces, ServiceAccounts, NetworkPolicies, RBAC). Objects are kept
//! without `managedFields`; Secrets are never watched.

use futures::StreamExt;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use stockade_model::kinds::Resource;
use stockade_sources::{Node, node_from_json};
use tokio::sync::Notify;

struct Watched {
    resource: Resource,
    store: Store<DynamicObject>,
    synced: Arc<AtomicBool>,
}

/// The cache: one reflector per resource type.
pub struct WatchCache {
    watched: Vec<Watched>,
    changed: Arc<Notify>,
    events: Arc<AtomicU64>,
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl WatchCache {
    /// Starts watching `resources` cluster-wide on the current tokio runtime. Errors of the
    /// watch (forbidden, connection lost) are retried with backoff and reported to `on_error`.
    pub fn start(
        client: kube::Client,
        resources: &[Resource],
        on_error: impl Fn(&Resource, &str) + Send + Sync + 'static,
    ) -> WatchCache {
        let changed = Arc::new(Notify::new());
        let events = Arc::new(AtomicU64::new(0));
        let on_error = Arc::new(on_error);
        let mut watched = Vec::new();
        for r in resources {
            let gvk = GroupVersionKind::gvk(r.group, r.version, r.kind);
            let ar = ApiResource::from_gvk_with_plural(&gvk, r.plural);
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
            let writer = reflector::store::Writer::<DynamicObject>::new(ar.clone());
            let store = writer.as_reader();
            let synced = Arc::new(AtomicBool::new(false));
            let stream = reflector::reflector(
                writer,
                watcher(api, watcher::Config::default())
                    .modify(|o: &mut DynamicObject| o.metadata.managed_fields = None),
            )
            .default_backoff();
            let (changed2, events2, synced2, on_error2, res) = (
                Arc::clone(&changed),
                Arc::clone(&events),
                Arc::clone(&synced),
                Arc::clone(&on_error),
                *r,
            );
            let ready = store.clone();
            tokio::spawn(async move {
                let _ = ready.wait_until_ready().await;
                synced2.store(true, Ordering::Release);
                changed2.notify_one();
            });
            let changed3 = Arc::clone(&changed);
            tokio::spawn(async move {
                tokio::pin!(stream);
                while let Some(ev) = stream.next().await {
                    match ev {
                        Ok(_) => {
                            events2.store(now_ms(), Ordering::Release);
                            changed3.notify_one();
                        }
                        Err(e) => on_error2(&res, &e.to_string()),
                    }
                }
            });
            watched.push(Watched {
                resource: *r,
                store,
                synced,
            });
        }
        WatchCache {
            watched,
            changed,
            events,
        }
    }

    /// Completes when something changed since the last call (an event, or a type synced).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Whether every type has been listed.
    pub fn synced(&self) -> bool {
        self.watched
            .iter()
            .all(|w| w.synced.load(Ordering::Acquire))
    }

    /// The kinds listed so far.
    pub fn synced_kinds(&self) -> Vec<&'static str> {
        self.watched
            .iter()
            .filter(|w| w.synced.load(Ordering::Acquire))
            .map(|w| w.resource.kind)
            .collect()
    }

    /// When the last watch event arrived (ms since the epoch; 0 before any).
    pub fn last_event_ms(&self) -> u64 {
        self.events.load(Ordering::Acquire)
    }

    /// Every cached object of the synced types, with `apiVersion` and `kind`.
    pub fn objects(&self) -> Vec<Node> {
        let mut out = Vec::new();
        for w in &self.watched {
            if !w.synced.load(Ordering::Acquire) {
                continue;
            }
            for o in w.store.state() {
                let Ok(mut v) = serde_json::to_value(&*o) else {
                    continue;
                };
                if let Some(m) = v.as_object_mut() {
                    m.insert("apiVersion".into(), w.resource.api_version().into());
                    m.insert("kind".into(), w.resource.kind.into());
                }
                out.push(node_from_json(v));
            }
        }
        out
    }
}
