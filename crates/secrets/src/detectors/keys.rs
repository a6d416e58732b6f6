//! Keys and bearer credentials by shape: private keys, JWTs, URLs with passwords,
//! kubeconfigs holding credentials.

use super::{matches, re};
use crate::{Confidence, Detector};
use std::ops::Range;

re!(
    PRIVATE,
    r"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----[\s\S]{16,}?-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----)"
);
re!(
    JWT_RE,
    r"\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})(?:[^A-Za-z0-9_.-]|$)"
);
re!(
    URL_PW,
    r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@]{1,128}:([^\s/@]{3,128})@[^\s/@]+"
);
re!(
    KUBE_CRED,
    r"(?m)^\s*(?:token|client-key-data|password):\s*['\x22]?([^\s'\x22]{16,})"
);

/// PEM, OpenSSH and PGP private keys (with a body).
pub static PRIVATE_KEY: Detector = Detector {
    id: "SD016",
    name: "private-key",
    summary: "a private key (PEM, OpenSSH or PGP)",
    confidence: Confidence::High,
    anchors: &["PRIVATE KEY"],
    find: |_, v| matches(&PRIVATE, v),
    true_positives: &[(
        Some("tls.key"),
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1x8kQ2mX9vL4pN8wZ1cB6hJ0fG5yKs2T3aDq\n-----END RSA PRIVATE KEY-----\n",
    )],
    false_positives: &[
        (
            None,
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
        ),
        (
            None,
            "put the -----BEGIN PRIVATE KEY----- block in a Secret",
        ),
    ],
};

/// JSON Web Tokens: bearer credentials (ServiceAccount tokens, OIDC id tokens).
pub static JWT: Detector = Detector {
    id: "SD017",
    name: "jwt",
    summary: "a JSON Web Token (a bearer credential such as a ServiceAccount token)",
    confidence: Confidence::Medium,
    anchors: &["eyJ"],
    find: |_, v| matches(&JWT_RE, v),
    true_positives: &[(
        Some("TOKEN"),
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.R7kQ2mX9vL4pN8wZ1cB6hJ0fG5yKs2T3aDq",
    )],
    false_positives: &[(None, "eyJhbGciOiJub25lIn0"), (None, "eyJ.eyJ.sig")],
};

fn url_password(_: Option<&str>, v: &str) -> Vec<Range<usize>> {
    matches(&URL_PW, v)
        .into_iter()
        .filter(|r| {
            let pw = &v[r.clone()];
            !crate::placeholder(pw)
                && !matches!(
                    pw.to_ascii_lowercase().as_str(),
                    "password" | "pass" | "pwd" | "secret"
                )
                && !pw.starts_with('$')
                && !pw.starts_with('%')
        })
        .collect()
}

/// URLs with a password in their user info (`postgres://app:s3cret@db:5432/shop`).
pub static URL_PASSWORD: Detector = Detector {
    id: "SD018",
    name: "url-with-password",
    summary: "a URL with an embedded password",
    confidence: Confidence::High,
    anchors: &["://"],
    find: url_password,
    true_positives: &[
        (
            Some("DATABASE_URL"),
            "postgres://app:Vq7-pL2x9Rk@db.shop.svc:5432/orders",
        ),
        (None, "amqp://guest:Zt8wQ3mN@rabbitmq:5672/"),
    ],
    false_positives: &[
        (None, "postgres://app:${DB_PASSWORD}@db:5432/orders"),
        (None, "https://user:password@host/path"),
        (None, "https://registry.shop.internal:5000/v2/"),
        (None, "redis://:%24REDIS_PASSWORD@redis:6379"),
    ],
};

fn kubeconfig(_: Option<&str>, v: &str) -> Vec<Range<usize>> {
    if !(v.contains("clusters:") && v.contains("users:")) {
        return Vec::new();
    }
    matches(&KUBE_CRED, v)
}

/// Kubeconfigs that carry a bearer token, a client key or a password.
pub static KUBECONFIG_CREDENTIAL: Detector = Detector {
    id: "SD019",
    name: "kubeconfig-credential",
    summary: "a kubeconfig holding a token, client key or password",
    confidence: Confidence::High,
    anchors: &["users:"],
    find: kubeconfig,
    true_positives: &[(
        Some("config"),
        "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: https://10.0.0.1:6443}\nusers:\n- name: ci\n  user:\n    token: k3J9xQz7Lm2Pw8Rv4Nb6Tc1Yd5Fh0Gs\n",
    )],
    false_positives: &[(
        None,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\nusers:\n- name: ci\n  user:\n    exec: {command: aws-iam-authenticator}\n",
    )],
};

#[cfg(test)]
mod tests {
    #[test]
    fn every_pattern_compiles() {
        for re in [
            &super::PRIVATE,
            &super::JWT_RE,
            &super::URL_PW,
            &super::KUBE_CRED,
        ] {
            assert!(re.is_some());
        }
    }
}
