//! Reads manifest inputs — files, directories, globs, stdin — into Kubernetes objects with
//! their origin. Every problem becomes a [`Diagnostic`]; nothing here panics or stops early.

use crate::node::{Node, Pos, Value};
use crate::split::split;
use crate::yaml::{YamlLimits, load};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stockade_model::{Diagnostic, DiagnosticLevel};

/// Limits applied while reading inputs.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest single YAML document accepted, in bytes.
    pub max_document_bytes: usize,
    /// Largest file read at all, in bytes.
    pub max_file_bytes: u64,
    /// YAML loader limits.
    pub yaml: YamlLimits,
    /// How Helm charts and Kustomize directories among the inputs are rendered.
    pub render: crate::render::RenderOptions,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 64 << 20,
            max_file_bytes: 2 << 30,
            yaml: YamlLimits::default(),
            render: crate::render::RenderOptions::default(),
        }
    }
}

/// One input as given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A file or directory.
    Path(PathBuf),
    /// A glob pattern such as `deploy/**/*.yaml`.
    Glob(String),
    /// `-`: standard input.
    Stdin,
}

impl Input {
    /// Interprets a command-line argument: `-` is stdin; an existing path is a path; a string
    /// with glob metacharacters is a glob; anything else is a path (which will fail to read).
    pub fn parse(arg: &str) -> Input {
        if arg == "-" {
            return Input::Stdin;
        }
        let p = PathBuf::from(arg);
        if !p.exists() && arg.contains(['*', '?', '[', '{']) {
            return Input::Glob(arg.to_string());
        }
        Input::Path(p)
    }
}

/// A file that was read, kept for snippets in reports.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as shown to users (`-` for stdin).
    pub path: String,
    /// The file's text.
    pub text: Arc<str>,
    /// Byte offsets of line starts, built on first use (only files with findings need it).
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// A file with its text.
    pub fn new(path: String, text: Arc<str>) -> Self {
        SourceFile {
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: u32) -> Option<&str> {
        let idx = usize::try_from(line).ok()?.checked_sub(1)?;
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let start = *starts.get(idx)?;
        let end = starts.get(idx + 1).map_or(self.text.len(), |e| e - 1);
        let l = self.text.get(start..end)?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }
}

/// Where an object came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Index into [`LoadOutput::files`].
    pub file: usize,
    /// 0-based document index within the file.
    pub document: usize,
    /// Index within a `List`'s `items`, when the object came from one.
    pub item: Option<usize>,
    /// The helm template (`# Source:`) the document came from.
    pub template: Option<std::sync::Arc<str>>,
}

/// A Kubernetes object read from a manifest.
#[derive(Clone, Debug)]
pub struct ManifestObject {
    /// The object's tree (a mapping with `apiVersion` and `kind`).
    pub root: Node,
    /// Where it came from.
    pub origin: Origin,
}

/// What reading the inputs produced.
#[derive(Debug, Default)]
pub struct LoadOutput {
    /// Files read, in the order read.
    pub files: Vec<SourceFile>,
    /// Objects found, in file and document order.
    pub objects: Vec<ManifestObject>,
    /// Problems with the input.
    pub diagnostics: Vec<Diagnostic>,
    /// Files in scanned directories skipped because of their extension.
    pub files_skipped: usize,
}

fn has_manifest_ext(p: &Path) -> bool {
    matches!(
        p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("yaml" | "yml" | "json")
    )
}

/// Reads documents held in memory, each under the name its locations show (a Helm release's
/// manifest as `helm-release:NAMESPACE/NAME`), with the limits and diagnostics of files.
pub fn load_texts(texts: Vec<(String, Vec<u8>)>, limits: &Limits) -> LoadOutput {
    let mut out = LoadOutput::default();
    for (name, bytes) in texts {
        if bytes.len() as u64 > limits.max_file_bytes {
            out.diagnostics.push(Diagnostic::at(
                DiagnosticLevel::Error,
                "file-too-large",
                &name,
                0,
                0,
                format!(
                    "{} bytes is more than the {} MiB limit; skipped",
                    bytes.len(),
                    limits.max_file_bytes >> 20
                ),
            ));
            continue;
        }
        load_bytes(&mut out, &name, bytes, limits);
    }
    out
}

/// Reads every input. `stdin` is read when an input is `-`.
///
/// Files are parsed on the rayon pool, a batch at a time, and merged in the order they were
/// found, so the output (objects, file indices, diagnostics) does not depend on scheduling.
pub fn load_inputs(inputs: &[Input], limits: &Limits, stdin: &mut dyn Read) -> LoadOutput {
    let mut out = LoadOutput::default();
    let mut batch = Vec::new();
    for input in inputs {
        match input {
            Input::Stdin => {
                flush(&mut out, &mut batch, limits);
                let mut buf = Vec::new();
                match stdin.take(limits.max_file_bytes).read_to_end(&mut buf) {
                    Ok(_) => load_bytes(&mut out, "-", buf, limits),
                    Err(e) => out.diagnostics.push(Diagnostic::at(
                        DiagnosticLevel::Error,
                        "io",
                        "-",
                        0,
                        0,
                        format!("cannot read standard input: {e}"),
                    )),
                }
            }
            Input::Path(p) => {
                if p.is_dir()
                    && let Some(kind) = crate::render::kind_of(p)
                {
                    flush(&mut out, &mut batch, limits);
                    load_rendered(&mut out, p, kind, limits);
                } else if p.is_dir() {
                    walk_dir(&mut out, &mut batch, p, None, limits);
                } else {
                    batch.push(p.clone());
                }
            }
            Input::Glob(g) => load_glob(&mut out, &mut batch, g, limits),
        }
    }
    flush(&mut out, &mut batch, limits);
    out
}

/// Reads and parses the files of `batch` in parallel and appends them to `out` in order.
fn flush(out: &mut LoadOutput, batch: &mut Vec<PathBuf>, limits: &Limits) {
    use rayon::prelude::*;
    let one_file = |p: &PathBuf| {
        let mut one = LoadOutput::default();
        load_file(&mut one, p, limits);
        one
    };
    let files = std::mem::take(batch);
    // A single file is read on this thread: no hand-over to the pool.
    let loaded: Vec<LoadOutput> = if files.len() < 2 {
        files.iter().map(one_file).collect()
    } else {
        files.par_iter().map(one_file).collect()
    };
    for one in loaded {
        let base = out.files.len();
        out.files.extend(one.files);
        out.objects.extend(one.objects.into_iter().map(|mut o| {
            o.origin.file += base;
            o
        }));
        out.diagnostics.extend(one.diagnostics);
        out.files_skipped += one.files_skipped;
    }
}

/// Pushes a diagnostic after the files found before it, keeping the report in input order.
fn push_in_order(out: &mut LoadOutput, batch: &mut Vec<PathBuf>, limits: &Limits, d: Diagnostic) {
    flush(out, batch, limits);
    out.diagnostics.push(d);
}

/// Walks `dir` in file-name order. Symbolic links are followed, to files and directories alike,
/// with the walker's loop detection. A link whose target lies outside both `dir` and the working
/// directory is not read (a hostile repository could otherwise make a CI scan read the runner's
/// credentials into its report) and is named in a warning, as is a dangling link or a loop.
/// Nothing is skipped without a word.
fn walk_dir(
    out: &mut LoadOutput,
    batch: &mut Vec<PathBuf>,
    dir: &Path,
    glob: Option<&globset::GlobMatcher>,
    limits: &Limits,
) {
    let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    // Links refused by the filter below, reported after the walk in path order.
    let outside = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, String)>::new()));
    let refused = std::sync::Arc::clone(&outside);
    // Charts and Kustomize directories met on the way: rendered after the walk, not read file
    // by file.
    let renderable = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(
        PathBuf,
        crate::render::Kind,
    )>::new()));
    let found = std::sync::Arc::clone(&renderable);
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .hidden(true)
        .follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |e| {
            if e.file_type().is_some_and(|t| t.is_dir())
                && let Some(kind) = crate::render::kind_of(e.path())
            {
                if let Ok(mut v) = found.lock() {
                    v.push((e.path().to_path_buf(), kind));
                }
                return false;
            }
            if !e.path_is_symlink() {
                return true;
            }
            match std::fs::canonicalize(e.path()) {
                Ok(target)
                    if target.starts_with(&root)
                        || cwd.as_ref().is_some_and(|c| target.starts_with(c)) =>
                {
                    true
                }
                Ok(target) => {
                    if let Ok(mut v) = refused.lock() {
                        v.push((e.path().display().to_string(), target.display().to_string()));
                    }
                    false
                }
                // Dangling: let the walker report it.
                Err(_) => true,
            }
        })
        .build();
    let mut matched = 0usize;
    for entry in walker {
        match entry {
            Ok(e) => {
                if !e.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let p = e.path();
                if let Some(m) = glob {
                    if m.is_match(p) {
                        matched += 1;
                        batch.push(p.to_path_buf());
                    }
                } else if has_manifest_ext(p) {
                    batch.push(p.to_path_buf());
                } else {
                    out.files_skipped += 1;
                }
            }
            Err(e) => {
                let (code, shown, message) = walk_error(dir, &e);
                // A link that loops or dangles holds no input; anything else lost input.
                let level = if code == "io" {
                    DiagnosticLevel::Error
                } else {
                    DiagnosticLevel::Warning
                };
                push_in_order(
                    out,
                    batch,
                    limits,
                    Diagnostic::at(level, code, &shown, 0, 0, message),
                );
            }
        }
    }
    let mut rendered = renderable.lock().map(|v| v.clone()).unwrap_or_default();
    rendered.sort();
    if !rendered.is_empty() {
        flush(out, batch, limits);
    }
    for (d, kind) in rendered {
        load_rendered(out, &d, kind, limits);
    }
    let refused = outside.lock().map(|v| v.clone()).unwrap_or_default();
    for (link, target) in refused {
        push_in_order(
            out,
            batch,
            limits,
            Diagnostic::at(
                DiagnosticLevel::Warning,
                "symlink-outside",
                &link,
                0,
                0,
                format!(
                    "not read: this symbolic link points outside {} and the working directory \
                     (to {target}); name the target on the command line to scan it",
                    dir.display()
                ),
            ),
        );
    }
    if let Some(m) = glob
        && matched == 0
    {
        push_in_order(
            out,
            batch,
            limits,
            Diagnostic::general(
                DiagnosticLevel::Error,
                "no-match",
                format!("glob `{}` matched no file", m.glob()),
            ),
        );
    }
}

/// The code, location and message of an error met while walking: loops and dangling links name
/// the link, other errors the directory.
fn walk_error(dir: &Path, e: &ignore::Error) -> (&'static str, String, String) {
    let mut inner = e;
    while let ignore::Error::WithPath { err, .. }
    | ignore::Error::WithDepth { err, .. }
    | ignore::Error::WithLineNumber { err, .. } = inner
    {
        inner = err;
    }
    match inner {
        ignore::Error::Loop { child, ancestor } => (
            "symlink-loop",
            child.display().to_string(),
            format!(
                "not read: this symbolic link loops back to {}",
                ancestor.display()
            ),
        ),
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
            let path = path_of(e).unwrap_or_else(|| dir.display().to_string());
            (
                "symlink-dangling",
                path,
                "not read: this symbolic link points to nothing".to_string(),
            )
        }
        _ => (
            "io",
            path_of(e).unwrap_or_else(|| dir.display().to_string()),
            format!("cannot read while walking {}: {e}", dir.display()),
        ),
    }
}

fn path_of(e: &ignore::Error) -> Option<String> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.display().to_string()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            path_of(err)
        }
        _ => None,
    }
}

fn load_glob(out: &mut LoadOutput, batch: &mut Vec<PathBuf>, pattern: &str, limits: &Limits) {
    let matcher = match globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
    {
        Ok(g) => g.compile_matcher(),
        Err(e) => {
            push_in_order(
                out,
                batch,
                limits,
                Diagnostic::general(
                    DiagnosticLevel::Error,
                    "bad-glob",
                    format!("invalid glob `{pattern}`: {e}"),
                ),
            );
            return;
        }
    };
    // Walk from the longest directory prefix without metacharacters.
    let meta = pattern.find(['*', '?', '[', '{']).unwrap_or(pattern.len());
    let base = match pattern[..meta].rfind('/') {
        Some(i) => &pattern[..=i],
        None => ".",
    };
    let base_path = if base == "." {
        Path::new(".")
    } else {
        Path::new(base)
    };
    if base == "." {
        // Paths yielded from "." start with "./"; match against the pattern with that prefix.
        let with_dot = format!("./{pattern}");
        match globset::GlobBuilder::new(&with_dot)
            .literal_separator(true)
            .build()
        {
            Ok(g) => walk_dir(out, batch, base_path, Some(&g.compile_matcher()), limits),
            Err(_) => walk_dir(out, batch, base_path, Some(&matcher), limits),
        }
    } else {
        walk_dir(out, batch, base_path, Some(&matcher), limits);
    }
}

fn load_file(out: &mut LoadOutput, p: &Path, limits: &Limits) {
    let shown = p.display().to_string();
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) => {
            out.diagnostics.push(Diagnostic::at(
                DiagnosticLevel::Error,
                "io",
                &shown,
                0,
                0,
                format!("cannot read file: {e}"),
            ));
            return;
        }
    };
    if meta.len() > limits.max_file_bytes {
        out.diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Error,
            "too-large",
            &shown,
            0,
            0,
            format!(
                "file is {} MiB, above the {} MiB limit; split it or raise --max-file-size",
                meta.len() >> 20,
                limits.max_file_bytes >> 20
            ),
        ));
        return;
    }
    match std::fs::read(p) {
        Ok(bytes) => load_bytes(out, &shown, bytes, limits),
        Err(e) => out.diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Error,
            "io",
            &shown,
            0,
            0,
            format!("cannot read file: {e}"),
        )),
    }
}

/// Line and column (1-based) of byte offset `at` in `bytes`.
fn line_col(bytes: &[u8], at: usize) -> (u32, u32) {
    let before = &bytes[..at.min(bytes.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// Renders the chart or Kustomize directory `dir` and reads the result under the directory's
/// name (helm's `# Source:` comments name each document's template); a tool that is missing
/// or fails is a diagnostic at the directory.
fn load_rendered(out: &mut LoadOutput, dir: &Path, kind: crate::render::Kind, limits: &Limits) {
    let shown = dir.display().to_string();
    match crate::render::render(dir, kind, &limits.render, limits.max_file_bytes) {
        Ok(bytes) => load_bytes(out, &shown, bytes, limits),
        Err(crate::render::RenderError::Missing(what)) => out.diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Warning,
            "not-rendered",
            &shown,
            0,
            0,
            format!(
                "{} not scanned: {what}",
                match kind {
                    crate::render::Kind::Chart => "Helm chart",
                    crate::render::Kind::Kustomization => "Kustomize directory",
                }
            ),
        )),
        Err(crate::render::RenderError::Failed(m)) => out.diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Error,
            "render",
            &shown,
            0,
            0,
            m.replace('\n', " "),
        )),
    }
}

fn load_bytes(out: &mut LoadOutput, shown: &str, mut bytes: Vec<u8>, limits: &Limits) {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    if let Some(nul) = memchr::memchr(0, &bytes[..bytes.len().min(8192)]) {
        let (l, c) = line_col(&bytes, nul);
        out.diagnostics.push(Diagnostic::at(
            DiagnosticLevel::Error,
            "binary",
            shown,
            l,
            c,
            "file looks binary (it contains a NUL byte), not YAML or JSON; skipped",
        ));
        return;
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let (l, c) = line_col(e.as_bytes(), at);
            out.diagnostics.push(Diagnostic::at(
                DiagnosticLevel::Error,
                "encoding",
                shown,
                l,
                c,
                "file is not valid UTF-8; Kubernetes manifests must be UTF-8 (re-encode it, e.g. with iconv)",
            ));
            return;
        }
    };
    let file_idx = out.files.len();
    let text: Arc<str> = Arc::from(text);
    out.files
        .push(SourceFile::new(shown.to_string(), text.clone()));
    for (doc_idx, chunk) in split(&text).into_iter().enumerate() {
        if chunk.text.len() > limits.max_document_bytes {
            out.diagnostics.push(Diagnostic::at(
                DiagnosticLevel::Error,
                "too-large",
                shown,
                chunk.first_line,
                1,
                format!(
                    "document {doc_idx} is {} MiB, above the {} MiB per-document limit; it was skipped (raise --max-document-size if it is genuine)",
                    chunk.text.len() >> 20,
                    limits.max_document_bytes >> 20
                ),
            ));
            continue;
        }
        let loaded = match load_lenient(chunk.text, chunk.first_line - 1, limits) {
            Ok(l) => l,
            Err(e) => {
                out.diagnostics.push(Diagnostic::at(
                    DiagnosticLevel::Error,
                    e.code(),
                    shown,
                    e.pos.line,
                    e.pos.col,
                    format!("document {doc_idx}: {e}; the document was skipped"),
                ));
                continue;
            }
        };
        for w in loaded.warnings {
            out.diagnostics.push(Diagnostic::at(
                if w.changes_meaning {
                    DiagnosticLevel::Error
                } else {
                    DiagnosticLevel::Warning
                },
                "duplicate-key",
                shown,
                w.pos.line,
                w.pos.col,
                w.message,
            ));
        }
        for root in loaded.docs {
            let origin = Origin {
                file: file_idx,
                document: doc_idx,
                item: None,
                template: chunk.template.as_deref().map(std::sync::Arc::from),
            };
            push_object(out, shown, root, origin);
        }
    }
}

/// Loads a document; when the only problem is a flow collection closed (`]`, `}`) at a lower
/// indentation than YAML 1.2 allows — which libyaml, and so kubectl, accepts and real charts
/// contain — the closer is indented and the document loaded again (at most a few times).
fn load_lenient(
    text: &str,
    line_offset: u32,
    limits: &Limits,
) -> Result<crate::yaml::Loaded, crate::yaml::LoadError> {
    let first = load(text, line_offset, limits.yaml);
    let Err(err) = &first else { return first };
    if !matches!(&err.kind, crate::yaml::LoadErrorKind::Syntax(m) if m == "invalid indentation") {
        return first;
    }
    let mut owned = text.to_string();
    for _ in 0..16 {
        let attempt = load(&owned, line_offset, limits.yaml);
        let Err(e) = &attempt else { return attempt };
        let is_indent =
            matches!(&e.kind, crate::yaml::LoadErrorKind::Syntax(m) if m == "invalid indentation");
        let Some(idx) = e.pos.line.checked_sub(line_offset + 1) else {
            return first;
        };
        let Some(start) = line_start(&owned, idx as usize) else {
            return first;
        };
        let rest = &owned[start..];
        let trimmed = rest.trim_start_matches(' ');
        if !is_indent || !(trimmed.starts_with(']') || trimmed.starts_with('}')) {
            return first;
        }
        owned.insert(start, ' ');
    }
    first
}

/// Byte offset where 0-based line `idx` starts.
fn line_start(text: &str, idx: usize) -> Option<usize> {
    if idx == 0 {
        return Some(0);
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(idx - 1)
        .map(|i| i + 1)
}

fn push_object(out: &mut LoadOutput, shown: &str, mut root: Node, origin: Origin) {
    let pos = root.pos;
    if !matches!(root.value, Value::Map(_)) {
        note(
            out,
            shown,
            pos,
            format!(
                "document {} is a {}, not a Kubernetes object; skipped",
                origin.document,
                root.type_name()
            ),
        );
        return;
    }
    let kind = root.get("kind").and_then(Node::as_str).map(str::to_string);
    let api = root
        .get("apiVersion")
        .and_then(Node::as_str)
        .map(str::to_string);
    let (Some(kind), Some(api)) = (kind, api) else {
        note(
            out,
            shown,
            pos,
            format!(
                "document {} has no apiVersion/kind string; skipped (not a Kubernetes object)",
                origin.document
            ),
        );
        return;
    };
    let is_list = kind == "List" || (kind.ends_with("List") && root.get("items").is_some());
    if is_list
        && matches!(
            root.get("items").map(|n| &n.value),
            Some(Value::Seq(_)) | Some(Value::Null)
        )
    {
        let item_kind = kind
            .strip_suffix("List")
            .filter(|k| !k.is_empty())
            .map(str::to_string);
        let items = match root.value {
            Value::Map(ref mut entries) => entries
                .iter_mut()
                .find(|(k, _)| &*k.name == "items")
                .map(|(_, v)| std::mem::replace(&mut v.value, Value::Null)),
            _ => None,
        };
        if let Some(Value::Seq(items)) = items {
            for (i, mut item) in items.into_iter().enumerate() {
                if let Value::Map(entries) = &mut item.value {
                    // Typed lists (DeploymentList) may omit kind/apiVersion on their items.
                    let ipos = item.pos;
                    let missing = |name: &str, entries: &[(crate::node::Key, Node)]| {
                        !entries.iter().any(|(key, _)| &*key.name == name)
                    };
                    if let Some(k) = &item_kind
                        && (missing("kind", entries) || missing("apiVersion", entries))
                    {
                        let mut grown = std::mem::take(entries).into_vec();
                        if missing("kind", &grown) {
                            grown.push((
                                crate::node::Key {
                                    name: "kind".into(),
                                    pos: ipos,
                                },
                                Node::new(Value::Str(k.as_str().into()), ipos),
                            ));
                        }
                        if missing("apiVersion", &grown) {
                            grown.push((
                                crate::node::Key {
                                    name: "apiVersion".into(),
                                    pos: ipos,
                                },
                                Node::new(Value::Str(api.as_str().into()), ipos),
                            ));
                        }
                        *entries = grown.into_boxed_slice();
                    }
                }
                let o = Origin {
                    item: Some(i),
                    ..origin.clone()
                };
                push_object(out, shown, item, o);
            }
        }
        return;
    }
    out.objects.push(ManifestObject { root, origin });
}

fn note(out: &mut LoadOutput, shown: &str, pos: Pos, message: String) {
    out.diagnostics.push(Diagnostic::at(
        DiagnosticLevel::Note,
        "not-an-object",
        shown,
        pos.line,
        pos.col,
        message,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(s: &str) -> LoadOutput {
        let mut out = LoadOutput::default();
        load_bytes(
            &mut out,
            "t.yaml",
            s.as_bytes().to_vec(),
            &Limits::default(),
        );
        out
    }

    #[test]
    fn bad_document_does_not_hide_the_next() {
        let out = load_str("kind: A\napiVersion: v1\n---\nkind: [\n---\nkind: B\napiVersion: v1\n");
        assert_eq!(out.objects.len(), 2);
        assert_eq!(out.diagnostics.len(), 1);
        assert_eq!(out.diagnostics[0].code, "yaml-syntax");
        assert!(out.diagnostics[0].line >= 4);
        assert_eq!(out.objects[1].origin.document, 2);
    }

    #[test]
    fn lists_are_expanded_with_exact_positions() {
        let out = load_str(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n",
        );
        assert_eq!(out.objects.len(), 2);
        assert_eq!(out.objects[1].origin.item, Some(1));
        assert_eq!(out.objects[1].root.pos.line, 7);
    }

    #[test]
    fn typed_lists_fill_in_item_kind() {
        let out =
            load_str("apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: a}\n");
        assert_eq!(
            out.objects[0].root.get("kind").unwrap().as_str(),
            Some("Deployment")
        );
    }

    #[test]
    fn binary_and_invalid_utf8_are_diagnosed() {
        let mut out = LoadOutput::default();
        load_bytes(
            &mut out,
            "b",
            vec![0x7f, b'E', b'L', b'F', 0, 1],
            &Limits::default(),
        );
        load_bytes(
            &mut out,
            "u",
            b"a: 1\nb: \xff\n".to_vec(),
            &Limits::default(),
        );
        assert_eq!(out.diagnostics[0].code, "binary");
        assert_eq!(
            (
                out.diagnostics[1].code.as_str(),
                out.diagnostics[1].line,
                out.diagnostics[1].column
            ),
            ("encoding", 2, 4)
        );
    }

    #[test]
    fn flow_closers_at_the_parent_indentation_are_accepted_like_kubectl() {
        let out = load_str(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    args: [\n        \"x\",\n    ]\n    image: i\n",
        );
        assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
        assert_eq!(
            out.objects[0]
                .root
                .at("spec")
                .unwrap()
                .get("containers")
                .unwrap()
                .items()[0]
                .get("image")
                .unwrap()
                .pos
                .line,
            9
        );
    }

    #[test]
    fn source_lines_are_found_by_number() {
        let f = SourceFile::new("f".into(), Arc::from("a\r\nbb\n\nccc"));
        assert_eq!(
            (f.line(1), f.line(2), f.line(3), f.line(4), f.line(5)),
            (Some("a"), Some("bb"), Some(""), Some("ccc"), None)
        );
        assert_eq!(f.line(0), None);
    }

    #[test]
    fn documents_without_kind_are_notes() {
        let out = load_str("foo: bar\n");
        assert!(out.objects.is_empty());
        assert_eq!(out.diagnostics[0].level, DiagnosticLevel::Note);
    }
}
