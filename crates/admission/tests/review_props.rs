//! Property tests of the webhook's body handling: whatever arrives — arbitrary bytes, or a
//! review whose object has arbitrary JSON of the wrong shape in its fields — decoding returns
//! an error or a request, judging never panics, and the response is JSON that echoes the uid
//! with warnings of at most 120 characters. `PROPTEST_CASES=20000` for a longer run; the
//! libFuzzer target `fuzz/fuzz_targets/admission_review.rs` explores further.

use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::LazyLock;
use stockade_admission::{AdmissionPolicy, Context, Judge, decode, encode};

static JUDGE: LazyLock<Judge> = LazyLock::new(|| {
    Judge::new(
        &stockade_engine::Settings::default(),
        AdmissionPolicy::default(),
        stockade_pss::AdmissionConfig::default(),
    )
});

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x0ad_3155),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn check(body: &[u8]) {
    let Ok(req) = decode(body) else { return };
    let v = JUDGE.judge(&req, &Context::empty(), Some("stockade"), "2026-12-02");
    let out: Value = serde_json::from_slice(&encode(&v.response)).expect("response is JSON");
    assert_eq!(out["response"]["uid"], json!(req.uid));
    assert!(v.response.warnings.iter().all(|w| w.chars().count() <= 120));
    if !v.response.allowed {
        assert!(v.response.status.is_some());
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,12}".prop_map(Value::String),
        Just(json!("privileged")),
        Just(json!(true)),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z]{1,12}", inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

const PATHS: &[&str] = &[
    "/request/object/metadata",
    "/request/object/metadata/name",
    "/request/object/metadata/annotations",
    "/request/object/metadata/ownerReferences",
    "/request/object/spec",
    "/request/object/spec/containers",
    "/request/object/spec/containers/0",
    "/request/object/spec/containers/0/securityContext",
    "/request/object/spec/containers/0/image",
    "/request/object/spec/containers/0/env",
    "/request/object/spec/template",
    "/request/object/spec/volumes",
    "/request/object/spec/securityContext",
    "/request/object/kind",
    "/request/oldObject",
    "/request/userInfo",
    "/request/namespace",
];

fn base(kind: &str) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": "u", "kind": {"group": "", "version": "v1", "kind": kind},
        "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "a",
        "operation": "UPDATE", "userInfo": {"username": "alice"},
        "object": {"apiVersion": "v1", "kind": kind, "metadata": {"name": "p", "namespace": "a"},
            "spec": {"containers": [{"name": "c", "image": "x", "securityContext": {"privileged": true}}],
                "template": {"spec": {"containers": [{"name": "t"}]}}}},
        "oldObject": {"apiVersion": "v1", "kind": kind, "metadata": {"name": "p"}, "spec": {}}}})
}

fn set(v: &mut Value, path: &str, new: Value) {
    let (parent, key) = path.rsplit_once('/').unwrap_or(("", path));
    match v.pointer_mut(parent) {
        Some(Value::Object(m)) => {
            m.insert(key.to_string(), new);
        }
        Some(Value::Array(a)) => {
            if let Some(slot) = key.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                *slot = new;
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_break_the_webhook(body in prop::collection::vec(any::<u8>(), 0..4096)) {
        check(&body);
    }

    #[test]
    fn wrongly_shaped_objects_never_break_the_webhook(
        kind in prop::sample::select(vec!["Pod", "Deployment", "CronJob", "Service", "RoleBinding", "NetworkPolicy", "Namespace"]),
        edits in prop::collection::vec((prop::sample::select(PATHS), any_json()), 1..5),
    ) {
        let mut v = base(kind);
        for (path, new) in edits {
            set(&mut v, path, new);
        }
        check(&serde_json::to_vec(&v).unwrap());
    }
}
