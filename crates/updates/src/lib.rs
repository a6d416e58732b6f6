//! Update management: versions as Kubernetes distributions write them ([`version`]), known
//! vulnerabilities in OSV format matched to component versions ([`osv`]), and CVSS v3 base
//! scores ([`cvss`]). The embedded data is a dated snapshot of the official Kubernetes CVE
//! feed in OSV form (kubernetes-sigs/cve-feed-osv); newer data can be given as files.

pub mod components;
pub mod cvss;
pub mod eol;
pub mod osv;
pub mod upgrade;
pub mod version;
pub mod vulns;
