//! Cuts a YAML stream into its documents at `---` lines, so that one malformed document is
//! reported and skipped while the others still load, and so that documents are parsed one at a
//! time. A `---` at column 0 always starts a document (YAML forbids it inside content).

/// One document's text within a stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk<'a> {
    /// The text, starting with its `---` line when it has one.
    pub text: &'a str,
    /// 1-based line of the chunk's first line in the stream.
    pub first_line: u32,
    /// The helm template named by a `# Source: …` comment in the chunk, if any.
    pub template: Option<String>,
}

fn is_doc_start(line: &str) -> bool {
    line.starts_with("---")
        && line[3..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t' || c == '\r')
}

/// Splits `text` into chunks. Chunks holding only comments and blank lines are kept (the
/// loader yields no document for them), so document indexes stay faithful to the file.
pub fn split(text: &str) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut line_no = 1u32;
    let mut template: Option<String> = None;
    let mut offset = 0usize;
    let bytes = text.as_bytes();
    while offset < bytes.len() {
        let end = memchr::memchr(b'\n', &bytes[offset..]).map_or(bytes.len(), |i| offset + i);
        let line = &text[offset..end];
        if is_doc_start(line) && offset > start {
            out.push(Chunk {
                text: &text[start..offset],
                first_line: start_line,
                template: template.take(),
            });
            start = offset;
            start_line = line_no;
        }
        if template.is_none()
            && let Some(src) = line.strip_prefix("# Source: ")
        {
            template = Some(src.trim().to_string());
        }
        offset = end + 1;
        line_no = line_no.saturating_add(1);
    }
    if start < text.len() || out.is_empty() {
        out.push(Chunk {
            text: &text[start.min(text.len())..],
            first_line: start_line,
            template,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_document_markers_and_keeps_helm_sources() {
        let s =
            "---\n# Source: c/templates/a.yaml\nkind: A\n---\nkind: B\n--- # x\nkind: C\n----not\n";
        let c = split(s);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].template.as_deref(), Some("c/templates/a.yaml"));
        assert_eq!(c[1].first_line, 4);
        assert_eq!(c[2].first_line, 6);
        assert!(c[2].text.contains("----not"));
    }
}
