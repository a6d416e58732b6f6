//! Renderers of `stockade secrets`: the exposure of each Secret — who can read it, who can
//! mount it, what uses it — as a listing (`text`), JSON (`json`) and Markdown (`markdown`).
//! Names from the inputs are escaped for where they go; no Secret value is ever at hand.

pub mod json;
pub mod markdown;
pub mod text;

use stockade_secrets::exposure::{Access, SecretExposure};

/// Readers that are not built in, then the built-in ones (`+N system`).
pub(crate) fn people(list: &[Access]) -> (Vec<&Access>, usize) {
    let shown: Vec<&Access> = list.iter().filter(|a| !a.builtin).collect();
    (shown, list.iter().filter(|a| a.builtin).count())
}

/// The flags of a Secret, for a summary line: `broad`, `unused`, `legacy token`.
pub(crate) fn flags(s: &SecretExposure) -> Vec<String> {
    let mut f = Vec::new();
    if !s.broad.is_empty() {
        f.push(format!("readable or mountable by {}", s.broad.join(", ")));
    }
    if s.unused {
        f.push("unused".into());
    }
    if s.legacy_token {
        f.push("legacy ServiceAccount token".into());
    }
    f
}

/// A renderer of this module's shape.
#[cfg(test)]
pub(crate) type Render = fn(
    &[SecretExposure],
    &[stockade_secrets::etcd::EncryptionCheck],
    &mut dyn std::io::Write,
) -> std::io::Result<()>;

/// The sample rendered by `render`, checked to hold no raw escape character.
#[cfg(test)]
pub(crate) fn rendered(render: Render) -> String {
    let mut out = Vec::new();
    render(&sample(), &sample_encryption(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains('\u{1b}'), "escaped");
    text
}

#[cfg(test)]
pub(crate) fn sample_encryption() -> Vec<stockade_secrets::etcd::EncryptionCheck> {
    vec![stockade_secrets::etcd::EncryptionCheck {
        source: "etcd /registry/secrets/shop/db".into(),
        verdict: "encrypted (aescbc v1, key key1)".into(),
        encrypted: true,
        caveat: Some("aescbc is open to padding-oracle attacks".into()),
    }]
}

#[cfg(test)]
pub(crate) fn sample() -> Vec<SecretExposure> {
    let a = |s: &str, v: &[&str], builtin: bool, broad: bool| Access {
        subject: s.into(),
        verbs: v.iter().map(|x| x.to_string()).collect(),
        through: vec!["ClusterRoleBinding x → ClusterRole y".into()],
        builtin,
        broad,
    };
    vec![
        SecretExposure {
            namespace: "shop".into(),
            name: "db|\u{1b}[31mred".into(),
            r#type: Some("Opaque".into()),
            created: Some("2026-01-02T03:04:05Z".into()),
            readers: vec![
                a("Group system:authenticated", &["get", "list"], false, true),
                a(
                    "User system:kube-controller-manager",
                    &["get", "list", "watch"],
                    true,
                    false,
                ),
            ],
            mounters: vec![a(
                "ServiceAccount shop/ci",
                &["create deployments"],
                false,
                false,
            )],
            used_by: vec![stockade_secrets::exposure::Use {
                object: "Deployment shop/api".into(),
                via: "env".into(),
            }],
            unused: false,
            legacy_token: false,
            broad: vec!["system:authenticated".into()],
            score: 101,
        },
        SecretExposure {
            namespace: "shop".into(),
            name: "old-token".into(),
            r#type: None,
            created: None,
            readers: vec![],
            mounters: vec![],
            used_by: vec![],
            unused: true,
            legacy_token: true,
            broad: vec![],
            score: 0,
        },
    ]
}
