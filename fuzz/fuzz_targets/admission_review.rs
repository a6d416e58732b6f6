//! The admission webhook's body handling: any bytes are decoded as an AdmissionReview; when they
//! decode, the object is judged (default rules, empty context) and the response encoded. Must
//! never panic; a decoded review's response must be JSON that echoes its uid.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;
use stockade_admission::{AdmissionPolicy, Context, Judge};

static JUDGE: LazyLock<Judge> = LazyLock::new(|| {
    Judge::new(
        &stockade_engine::Settings::default(),
        AdmissionPolicy::default(),
        stockade_pss::AdmissionConfig::default(),
    )
});

fuzz_target!(|data: &[u8]| {
    let Ok(req) = stockade_admission::decode(data) else {
        return;
    };
    let v = JUDGE.judge(&req, &Context::empty(), Some("stockade"), "2026-12-02");
    let body = stockade_admission::encode(&v.response);
    let parsed: serde_json::Value = serde_json::from_slice(&body).expect("response is JSON");
    assert_eq!(parsed["response"]["uid"], serde_json::Value::String(req.uid.clone()));
    assert!(v.response.warnings.iter().all(|w| w.chars().count() <= 120));
});
