//! Cloud providers: AWS, Google Cloud, Azure.

use super::{matches, re, words};
use crate::{Confidence, Detector};
use std::ops::Range;

re!(AWS_ID, r"\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b");
re!(
    AWS_SECRET_INLINE,
    r#"(?i)aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#
);
re!(FORTY, r"^[A-Za-z0-9/+]{40}$");
re!(AZURE_CONN, r"(?i)AccountKey=([A-Za-z0-9+/]{86}==)");
re!(GOOGLE_KEY, r"\b(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)");

/// AWS access key ids: long-term (`AKIA`) and temporary (`ASIA`) keys.
pub static AWS_ACCESS_KEY_ID: Detector = Detector {
    id: "SD001",
    name: "aws-access-key-id",
    summary: "an AWS access key id (AKIA…, ASIA…)",
    confidence: Confidence::High,
    anchors: &["AKIA", "ASIA", "ABIA", "ACCA"],
    find: |_, v| matches(&AWS_ID, v),
    true_positives: &[
        (Some("AWS_ACCESS_KEY_ID"), "AKIAZ7QJ3RTLWV2MNB4K"),
        (None, "aws_access_key_id = ASIAQ4VZ6TPWL3KXJ2RM\n"),
    ],
    false_positives: &[
        (Some("AWS_ACCESS_KEY_ID"), "AKIAIOSFODNN7EXAMPLE"),
        (None, "AKIAZ7QJ3RTLWV2MNB4KTOOLONG"),
        (None, "arn:aws:iam::123456789012:role/ASIA"),
    ],
};

fn aws_secret(key: Option<&str>, v: &str) -> Vec<Range<usize>> {
    let mut out = matches(&AWS_SECRET_INLINE, v);
    if let Some(k) = key {
        let w = words(k).concat();
        if w.contains("AWS")
            && w.contains("SECRET")
            && FORTY.as_ref().is_some_and(|re| re.is_match(v.trim()))
        {
            let start = v.len() - v.trim_start().len();
            out.push(start..start + v.trim().len());
        }
    }
    out
}

/// An AWS secret access key, under a name that says so or next to its key name.
pub static AWS_SECRET_ACCESS_KEY: Detector = Detector {
    id: "SD002",
    name: "aws-secret-access-key",
    summary: "an AWS secret access key (40 characters, named as one)",
    confidence: Confidence::High,
    anchors: &["aws"],
    find: aws_secret,
    true_positives: &[
        (
            Some("AWS_SECRET_ACCESS_KEY"),
            "q8Rz3VtLm2Xw9Kp4Nj7Hb1Gc6Fd0Sa5Ye/Tu+Io3",
        ),
        (
            None,
            "[default]\naws_secret_access_key = q8Rz3VtLm2Xw9Kp4Nj7Hb1Gc6Fd0Sa5Ye/Tu+Io3\n",
        ),
    ],
    false_positives: &[
        (
            Some("AWS_SECRET_ACCESS_KEY"),
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (
            Some("AWS_REGION"),
            "q8Rz3VtLm2Xw9Kp4Nj7Hb1Gc6Fd0Sa5Ye/Tu+Io3",
        ),
        (Some("AWS_SECRET_NAME"), "prod/db"),
    ],
};

fn gcp_key(_: Option<&str>, v: &str) -> Vec<Range<usize>> {
    if !(v.contains("\"service_account\"") && v.contains("\"private_key\"")) {
        return Vec::new();
    }
    match serde_json::from_str::<serde_json::Value>(v.trim()) {
        Ok(j)
            if j["type"] == "service_account"
                && j["private_key"]
                    .as_str()
                    .is_some_and(|k| k.contains("PRIVATE KEY")) =>
        {
            std::iter::once(0..v.len()).collect()
        }
        _ => Vec::new(),
    }
}

/// A Google Cloud service-account key file (JSON with its private key).
pub static GCP_SERVICE_ACCOUNT_KEY: Detector = Detector {
    id: "SD003",
    name: "gcp-service-account-key",
    summary: "a Google Cloud service-account JSON key with its private key",
    confidence: Confidence::High,
    anchors: &["service_account"],
    find: gcp_key,
    true_positives: &[(
        Some("key.json"),
        r#"{"type": "service_account", "project_id": "shop-prod", "private_key_id": "3f2a", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n", "client_email": "ci@shop-prod.iam.gserviceaccount.com"}"#,
    )],
    false_positives: &[
        (
            None,
            r#"{"type": "service_account", "client_email": "ci@shop-prod.iam.gserviceaccount.com"}"#,
        ),
        (
            None,
            r#"{"type": "authorized_user", "private_key": "none"}"#,
        ),
    ],
};

/// An Azure storage account key in a connection string.
pub static AZURE_STORAGE_KEY: Detector = Detector {
    id: "SD004",
    name: "azure-storage-key",
    summary: "an Azure storage account key (AccountKey=… in a connection string)",
    confidence: Confidence::High,
    anchors: &["AccountKey="],
    find: |_, v| matches(&AZURE_CONN, v),
    true_positives: &[(
        Some("AZURE_STORAGE_CONNECTION_STRING"),
        "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=pTyGJMuHbEL31IeL2HPcHyGcFRl1SPnXNYvMIHa/2o76umfXfKm/r5kJP1VrT+1FJors/6ILi8IHn5kxsC7tVO==;EndpointSuffix=core.windows.net",
    )],
    false_positives: &[
        (
            None,
            "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=${AZURE_KEY}",
        ),
        (None, "UseDevelopmentStorage=true"),
    ],
};

/// A Google API key (`AIza…`).
pub static GOOGLE_API_KEY: Detector = Detector {
    id: "SD005",
    name: "google-api-key",
    summary: "a Google API key (AIza…)",
    confidence: Confidence::High,
    anchors: &["AIza"],
    find: |_, v| matches(&GOOGLE_KEY, v),
    true_positives: &[(Some("MAPS_KEY"), "AIzaSyD4kT9m2QxL7vR3pN8wZ1cB6hJ0fG5yKs2")],
    false_positives: &[
        (None, "AIzaShort"),
        (None, "see AIza-prefixed keys in the docs"),
    ],
};

#[cfg(test)]
mod tests {
    #[test]
    fn every_pattern_compiles() {
        for re in [
            &super::AWS_ID,
            &super::AWS_SECRET_INLINE,
            &super::FORTY,
            &super::AZURE_CONN,
            &super::GOOGLE_KEY,
        ] {
            assert!(re.is_some());
        }
    }
}
