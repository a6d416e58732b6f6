//! References to controls of the security frameworks that rules map to.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A security framework whose controls rules are mapped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Framework {
    /// CIS Kubernetes Benchmark (section 5, policies), e.g. `5.2.2`.
    #[serde(rename = "CIS")]
    Cis,
    /// NSA-CISA Kubernetes Hardening Guide, by section, e.g. `pod-security`.
    #[serde(rename = "NSA-CISA")]
    NsaCisa,
    /// MITRE ATT&CK for Containers technique ids, e.g. `T1611`.
    #[serde(rename = "MITRE")]
    Mitre,
    /// Kubernetes Pod Security Standards, as `level/check` with the upstream PodSecurity
    /// admission's check id, e.g. `restricted/allowPrivilegeEscalation`.
    #[serde(rename = "PSS")]
    Pss,
}

impl Framework {
    /// Every framework, in display order.
    pub const ALL: [Framework; 4] = [
        Framework::Cis,
        Framework::NsaCisa,
        Framework::Mitre,
        Framework::Pss,
    ];

    /// The short name used in output and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Cis => "CIS",
            Framework::NsaCisa => "NSA-CISA",
            Framework::Mitre => "MITRE",
            Framework::Pss => "PSS",
        }
    }

    /// Parses a framework name as users type it (case-insensitive).
    pub fn parse(s: &str) -> Option<Framework> {
        match s.to_ascii_lowercase().as_str() {
            "cis" => Some(Framework::Cis),
            "nsa" | "nsa-cisa" | "nsa_cisa" | "nsacisa" => Some(Framework::NsaCisa),
            "mitre" | "attack" | "mitre-attack" => Some(Framework::Mitre),
            "pss" | "pod-security" | "pod-security-standards" => Some(Framework::Pss),
            _ => None,
        }
    }
}

/// One control of one framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Control {
    /// The framework the control belongs to.
    pub framework: Framework,
    /// The control's id within its framework.
    pub id: &'static str,
}

impl Control {
    /// A CIS Kubernetes Benchmark control.
    pub const fn cis(id: &'static str) -> Control {
        Control {
            framework: Framework::Cis,
            id,
        }
    }
    /// A section of the NSA-CISA Kubernetes Hardening Guide.
    pub const fn nsa(id: &'static str) -> Control {
        Control {
            framework: Framework::NsaCisa,
            id,
        }
    }
    /// A MITRE ATT&CK for Containers technique.
    pub const fn mitre(id: &'static str) -> Control {
        Control {
            framework: Framework::Mitre,
            id,
        }
    }
}

impl Control {
    /// A Pod Security Standards check: `level/checkId`, e.g. `baseline/privileged`.
    pub const fn pss(id: &'static str) -> Control {
        Control {
            framework: Framework::Pss,
            id,
        }
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.framework.as_str(), self.id)
    }
}
