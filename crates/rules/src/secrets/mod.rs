//! Secrets (`SC`): credentials written into manifests and configuration, found by what they
//! are (the detectors of [`stockade_secrets`]), wherever Kubernetes objects carry text.

// @@secrets-mods (keep sorted)
pub mod hardcoded_credential;
