//! Helm charts and Kustomize directories among the inputs, rendered as `helm template` and
//! `kustomize build` render them, with the user's own `helm` and `kustomize` (or `kubectl
//! kustomize`). A directory holding `Chart.yaml` is a chart and one holding
//! `kustomization.yaml` an overlay: their files are not read one by one as manifests (a
//! template is not YAML, a patch is not an object), their rendering is. When the tool is not
//! installed the directory is skipped with a warning that says what to install.
//!
//! The tools run without a shell, with the arguments as given, their output bounded by the
//! file-size limit and their run time by [`TIMEOUT`]. `helm template` renders offline (it
//! fetches nothing; a chart whose dependencies are not in `charts/` fails as it fails for
//! `helm template`, with helm's message), and Kustomize runs without plugins and with its
//! default load restrictions.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a rendering may take.
pub const TIMEOUT: Duration = Duration::from_secs(120);

/// How charts are rendered (`--values`, `--set`, `--release-name`, `--release-namespace`,
/// `--kube-version`), and the tools to use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Values files, in order.
    pub values: Vec<PathBuf>,
    /// `--set` assignments, in order.
    pub set: Vec<String>,
    /// The release name [default: `release-name`, as `helm template` names it].
    pub release_name: Option<String>,
    /// The release namespace.
    pub namespace: Option<String>,
    /// The Kubernetes version charts are rendered for (`.Capabilities.KubeVersion`).
    pub kube_version: Option<String>,
    /// The `helm` binary [default: `$STOCKADE_HELM`, then `helm` on the PATH].
    pub helm: Option<PathBuf>,
    /// The `kustomize` binary [default: `$STOCKADE_KUSTOMIZE`, then `kustomize`, then
    /// `kubectl kustomize`].
    pub kustomize: Option<PathBuf>,
}

/// What a directory is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A Helm chart (`Chart.yaml`).
    Chart,
    /// A Kustomize directory (`kustomization.yaml`, `kustomization.yml`, `Kustomization`).
    Kustomization,
}

/// Whether `dir` is a chart or a Kustomize directory.
pub fn kind_of(dir: &Path) -> Option<Kind> {
    if dir.join("Chart.yaml").is_file() {
        return Some(Kind::Chart);
    }
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .any(|f| dir.join(f).is_file())
        .then_some(Kind::Kustomization)
}

/// Why a directory was not rendered.
#[derive(Debug)]
pub enum RenderError {
    /// The tool is not installed: what to install.
    Missing(String),
    /// The tool failed: its message.
    Failed(String),
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn tool(explicit: Option<&Path>, env: &str, name: &str) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os(env).map(PathBuf::from))
        .or_else(|| on_path(name))
}

/// Runs `cmd`, returning its standard output (at most `max` bytes) or its error output.
fn run(mut cmd: Command, max: u64, what: &str) -> Result<Vec<u8>, RenderError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| RenderError::Failed(format!("cannot run {what}: {e}")))?;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(max.saturating_add(1)).read_to_end(&mut buf);
        }
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(s) = stderr.as_mut() {
            let _ = s.take(64 << 10).read_to_end(&mut buf);
        }
        buf
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RenderError::Failed(format!(
                    "{what} did not finish within {} s; it was stopped",
                    TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(RenderError::Failed(format!("{what}: {e}"))),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr);
        let text = text.trim();
        return Err(RenderError::Failed(format!(
            "{what} failed: {}",
            if text.is_empty() { "no message" } else { text }
        )));
    }
    if stdout.len() as u64 > max {
        return Err(RenderError::Failed(format!(
            "{what} wrote more than the {} MiB limit",
            max >> 20
        )));
    }
    Ok(stdout)
}

/// Renders the chart or Kustomize directory `dir`.
pub fn render(
    dir: &Path,
    kind: Kind,
    opts: &RenderOptions,
    max: u64,
) -> Result<Vec<u8>, RenderError> {
    match kind {
        Kind::Chart => {
            let Some(helm) = tool(opts.helm.as_deref(), "STOCKADE_HELM", "helm") else {
                return Err(RenderError::Missing(format!(
                    "install helm (https://helm.sh/docs/intro/install/) to scan this chart, or render it yourself: helm template {} | stockade scan -",
                    dir.display()
                )));
            };
            let mut cmd = Command::new(&helm);
            cmd.arg("template")
                .arg(opts.release_name.as_deref().unwrap_or("release-name"))
                .arg(dir);
            if let Some(ns) = &opts.namespace {
                cmd.arg("--namespace").arg(ns);
            }
            for v in &opts.values {
                cmd.arg("--values").arg(v);
            }
            for s in &opts.set {
                cmd.arg("--set").arg(s);
            }
            if let Some(k) = &opts.kube_version {
                cmd.arg("--kube-version").arg(k);
            }
            run(cmd, max, "helm template")
        }
        Kind::Kustomization => {
            let (mut cmd, what) = match tool(
                opts.kustomize.as_deref(),
                "STOCKADE_KUSTOMIZE",
                "kustomize",
            ) {
                Some(k) => {
                    let mut c = Command::new(k);
                    c.arg("build").arg(dir);
                    (c, "kustomize build")
                }
                None => match on_path("kubectl") {
                    Some(k) => {
                        let mut c = Command::new(k);
                        c.arg("kustomize").arg(dir);
                        (c, "kubectl kustomize")
                    }
                    None => {
                        return Err(RenderError::Missing(format!(
                            "install kustomize (https://kubectl.docs.kubernetes.io/installation/kustomize/) or kubectl to scan this overlay, or render it yourself: kustomize build {} | stockade scan -",
                            dir.display()
                        )));
                    }
                },
            };
            // No plugins, no network: kustomize's defaults; the working directory is the
            // overlay's parent so relative bases resolve as they do for the user.
            cmd.env_remove("KUSTOMIZE_PLUGIN_HOME");
            run(cmd, max, what).map_err(|e| match e {
                RenderError::Failed(m) => RenderError::Failed(m),
                other => other,
            })
        }
    }
}
