use crate::workload::helpers::{KINDS, env_entries};
use crate::{Checker, Family, declare_rule};
use stockade_inventory::Object;
use stockade_model::{Control, Severity};
use stockade_sources::Node;

declare_rule! {
    /// ## What it does
    /// Flags literal `env[].value`s that look like credentials, in every container (including
    /// init and ephemeral containers):
    ///
    /// - the value has the shape of a well-known secret, whatever the variable is called: a
    ///   private key (PEM), an AWS access key id, a GitHub, GitLab, Slack, Stripe or Google API
    ///   token, a Slack webhook URL, a JSON Web Token, or a URL with an embedded password;
    /// - or the variable's name says it holds a credential (`PASSWORD`, `PASSWD`, `PASSPHRASE`,
    ///   `SECRET`, `CREDENTIALS`, `…_TOKEN`, `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`,
    ///   `SIGNING_KEY`, `ENCRYPTION_KEY`, `DB_PWD`, in any case or camelCase) and it has a
    ///   value. Names that describe a credential rather than hold one are skipped: those ending
    ///   in `_FILE`, `_PATH`, `_DIR`, `_NAME`, `_URL`, `_ID`, `_TTL`, `_LENGTH`, `_TIMEOUT`,
    ///   `_ENABLED` and similar. So are values that are empty, references (`$(VAR)`, `${VAR}`,
    ///   `{{ … }}`), `<placeholders>` and `INSERT_…`/`REPLACE_…`/`YOUR_…` markers, masks
    ///   (`****`), file paths, plain URLs and booleans.
    ///
    /// Formats are recognised by Stockade's credential detectors (`SD001`–`SD019`, see
    /// `SC001`): the finding then names the detector and the value's fingerprint. The finding
    /// never repeats the value, and its field is redacted in snippets.
    ///
    /// ## Why is this risky?
    /// A credential written into a manifest is stored in Git, in CI logs, in every rendered
    /// chart and in the API server in clear text, and anyone who can `get` the workload — a far
    /// wider group than those who can read Secrets — can read it. It cannot be rotated without
    /// a deploy and it shows up in `kubectl describe`.
    ///
    /// A weak default such as `changeme` is still flagged: deployed as written, it is the
    /// password.
    ///
    /// ## Example
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   env:
    ///   - name: DB_PASSWORD
    ///     value: s3cr3t-Passw0rd
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// containers:
    /// - name: api
    ///   image: registry.example.com/api:3.2.1
    ///   volumeMounts:
    ///   - name: db
    ///     mountPath: /var/run/secrets/db
    ///     readOnly: true
    /// volumes:
    /// - name: db
    ///   secret:
    ///     secretName: api-db
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## Known limitations
    /// Detection is heuristic. Credentials under unremarkable names in formats not listed above
    /// are missed; a non-secret value under a credential-like name (a public key, a Secret's
    /// name) is reported and may be suppressed with a reason. ConfigMaps and container
    /// arguments are not inspected.
    ///
    /// ## References
    /// - CIS Kubernetes Benchmark 5.4.1
    /// - Kubernetes: "Good practices for Kubernetes Secrets"
    /// - MITRE ATT&CK T1552.001, "Unsecured Credentials: Credentials In Files"
    pub static SECRET_IN_ENV_VALUE = Rule {
        id: "WL042",
        name: "secret-in-env-value",
        family: Family::Workload,
        severity: Severity::High,
        kinds: KINDS,
        controls: &[Control::cis("5.4.1"), Control::nsa("network/secrets"), Control::mitre("T1552.001")],
        since: "0.1.0",
        summary: "env var holds a literal credential",
        remediation: "Move the credential into a Secret (or an external secret store) and mount it as a file; rotate the exposed value.",
        check: check,
    };
}

fn check(cx: &mut Checker<'_>, o: &Object) {
    let Some(pod) = cx.pod_spec(o) else { return };
    for c in pod.all_containers() {
        for (_, path, entry) in env_entries(&c) {
            let Some(value) = entry.get("value").and_then(Node::as_str) else {
                continue;
            };
            let name = entry.get("name").and_then(Node::as_str).unwrap_or("");
            let detected = stockade_secrets::scan(Some(name), value)
                .into_iter()
                .find(|h| h.confidence > stockade_secrets::Confidence::Low);
            let what = match (detected, secret_format(value)) {
                (Some(h), _) => {
                    let summary = stockade_secrets::DETECTORS
                        .iter()
                        .find(|d| d.id == h.detector)
                        .map_or("a credential", |d| d.summary);
                    format!(
                        "holds a literal value that looks like {summary} ({} {}; fingerprint {})",
                        h.detector, h.name, h.fingerprint
                    )
                }
                (None, found) => match found {
                    Some(kind) => format!("holds a literal value that looks like {kind}"),
                    None if stockade_secrets::names::credential_name(name)
                        && !is_placeholder(value) =>
                    {
                        "holds a literal value and its name says it is a credential".to_string()
                    }
                    None => continue,
                },
            };
            // The value, or any part of it, must never reach the message.
            cx.report_sensitive(
                o,
                path.key("value"),
                format!("env var {name:?} of {} {what}", c.describe()),
            );
        }
    }
}

/// Whether an env var's literal value is a credential by this rule's judgement: a known secret
/// format, or a credential-like name with a value that is not a placeholder. Other parts of
/// Stockade that must not keep credentials (the de-provisioning journal) ask the same question.
pub fn looks_like_credential(name: &str, value: &str) -> bool {
    secret_format(value).is_some()
        || (stockade_secrets::names::credential_name(name) && !is_placeholder(value))
        || !stockade_secrets::scan(Some(name), value).is_empty()
}

/// Values that hold no credential even under a credential-like name.
fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    v.is_empty()
        || v.contains("$(")
        || v.contains("${")
        || v.contains("{{")
        || (v.starts_with('<') && v.ends_with('>'))
        || [
            "insert_",
            "insert-",
            "replace_",
            "replace-",
            "replace with",
            "your_",
            "your-",
            "your ",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
        || v.chars()
            .all(|c| c == '*' || c == 'x' || c == 'X' || c == '-' || c == '.')
        || v.starts_with('/')
        || v.contains("://")
        || matches!(
            lower.as_str(),
            "true"
                | "false"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "enabled"
                | "disabled"
                | "none"
                | "null"
                | "nil"
        )
}

/// What well-known secret format the value has, if any.
fn secret_format(value: &str) -> Option<&'static str> {
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if value.contains("hooks.slack.com/services/T") {
        return Some("a Slack webhook URL");
    }
    if url_with_password(value) {
        return Some("a URL with an embedded password");
    }
    let token_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    value.split(|c: char| !token_char(c)).find_map(token_format)
}

fn token_format(word: &str) -> Option<&'static str> {
    let alnum = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric());
    let b64url = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    for prefix in ["AKIA", "ASIA"] {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.len() == 16
            && rest
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !rest.ends_with("EXAMPLE")
        {
            return Some("an AWS access key id");
        }
    }
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.len() >= 36
            && alnum(rest)
        {
            return Some("a GitHub token");
        }
    }
    if let Some(rest) = word.strip_prefix("github_pat_")
        && rest.len() >= 22
        && b64url(rest)
    {
        return Some("a GitHub token");
    }
    if let Some(rest) = word.strip_prefix("glpat-")
        && rest.len() >= 20
        && b64url(rest)
    {
        return Some("a GitLab token");
    }
    for prefix in ["xoxa-", "xoxb-", "xoxe-", "xoxp-", "xoxr-", "xoxs-"] {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.len() >= 10
            && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Some("a Slack token");
        }
    }
    if let Some(rest) = word.strip_prefix("AIza")
        && rest.len() == 35
        && b64url(rest)
    {
        return Some("a Google API key");
    }
    for prefix in ["sk_live_", "rk_live_"] {
        if let Some(rest) = word.strip_prefix(prefix)
            && rest.len() >= 16
            && alnum(rest)
        {
            return Some("a Stripe secret key");
        }
    }
    let parts: Vec<&str> = word.split('.').collect();
    if matches!(parts.len(), 3 | 5)
        && parts
            .iter()
            .take(2)
            .all(|p| p.starts_with("eyJ") && p.len() >= 10)
        && parts.iter().all(|p| b64url(p))
    {
        return Some("a JSON Web Token");
    }
    None
}

/// Whether the value contains a URL whose user info carries a literal password
/// (`postgres://app:hunter2@db:5432/app`).
fn url_with_password(value: &str) -> bool {
    let mut rest = value;
    while let Some(i) = rest.find("://") {
        rest = &rest[i + 3..];
        let authority = rest
            .split(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .next()
            .unwrap_or("");
        if let Some((userinfo, _)) = authority.rsplit_once('@')
            && let Some((_, password)) = userinfo.split_once(':')
            && !is_placeholder(password)
        {
            return true;
        }
    }
    false
}
