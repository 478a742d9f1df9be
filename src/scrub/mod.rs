//! Claim scrubbing: a claim (medcode JSON or FHIR R4 `Claim`) checked against
//! the embedded code sets and the payers' edit logic, every problem returned
//! as a [`Finding`] with a JSON pointer into the input and, where the data
//! knows them, codes that would fix it.
//!
//! The edit catalogue and its stable ids are in `docs/edits.md`. Findings are
//! data; only input that is not a claim at all is an error.

pub mod claim;
mod context;
pub mod convert;
mod edits;
pub mod json;
mod ptr;
pub mod tables;

use serde::Serialize;
use serde_json::Value;

pub use claim::Format;
pub use context::Ctx;
pub use edits::CATALOGUE;

use crate::date::Date;
use crate::MedCode;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The payer will reject it.
    Error,
    /// Likely denial or a coding-convention breach.
    Warning,
    /// Worth a look.
    Info,
}

/// One problem on a claim (the public shape of `CLAIMS.md`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub edit: &'static str,
    pub severity: Severity,
    /// RFC 6901 pointer into the input as given.
    pub path: String,
    pub codes: Vec<String>,
    pub message: String,
    pub suggestions: Vec<String>,
}

/// The findings of one claim.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScrubResult {
    /// The claim's `id`, or the label the caller gave (a line number in a batch).
    pub claim: String,
    pub findings: Vec<Finding>,
}

impl ScrubResult {
    /// Whether any finding has error severity.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Options of a scrub.
#[derive(Clone, Debug)]
pub struct ScrubOptions {
    /// The date "in the future" is judged against.
    pub today: Date,
    /// Force an input shape; `None` detects FHIR by `resourceType`.
    pub format: Option<Format>,
}

/// Input that is not a claim at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotAClaim(pub String);

/// Limits on what one claim may hold (beyond them the claim is refused).
pub mod limits {
    /// Bytes of JSON text for one claim.
    pub const MAX_CLAIM_BYTES: usize = 4 << 20;
    /// Nesting depth of the JSON document.
    pub const MAX_DEPTH: usize = 64;
    /// Service lines (CMS-1500 has 6 per page; 837P allows 50).
    pub const MAX_LINES: usize = 999;
    /// Diagnoses accepted for reading (more than 12 is a DX-COUNT finding).
    pub const MAX_DIAGNOSES: usize = 999;
}

impl MedCode {
    /// Scrubs a parsed JSON document; `label` names the claim when it has no `id`.
    pub fn scrub_value(&self, doc: &Value, opts: &ScrubOptions, label: &str) -> Result<ScrubResult, NotAClaim> {
        self.scrub_doc(&json::Doc::from_value(doc), opts, label)
    }

    /// Scrubs JSON text (one claim).
    pub fn scrub_str(&self, text: &str, opts: &ScrubOptions, label: &str) -> Result<ScrubResult, NotAClaim> {
        check_size(text)?;
        // The depth limit is checked on the text before parsing (so a deep
        // text is refused with that reason whatever else is wrong with it);
        // a text that parses at most MAX_DEPTH deep passes that check, so
        // the scan runs only when the parse fails or goes deeper.
        match json::Doc::parse(text) {
            Ok(doc) if doc.depth() <= limits::MAX_DEPTH => self.scrub_doc(&doc, opts, label),
            parsed => {
                check_depth(text)?;
                let doc = parsed.map_err(|e| NotAClaim(format!("not valid JSON: {e}")))?;
                self.scrub_doc(&doc, opts, label)
            }
        }
    }

    /// Scrubs a document read by [`json::Doc::parse`] or [`json::Doc::from_value`].
    pub fn scrub_doc(&self, doc: &json::Doc, opts: &ScrubOptions, label: &str) -> Result<ScrubResult, NotAClaim> {
        let claim = claim::read(doc, opts.format).map_err(NotAClaim)?;
        if claim.lines.len() > limits::MAX_LINES {
            return Err(NotAClaim(format!(
                "{} service lines; at most {} are accepted",
                claim.lines.len(),
                limits::MAX_LINES
            )));
        }
        if claim.diagnoses.len() > limits::MAX_DIAGNOSES {
            return Err(NotAClaim(format!(
                "{} diagnoses; at most {} are accepted",
                claim.diagnoses.len(),
                limits::MAX_DIAGNOSES
            )));
        }
        let keys = context::claim_keys(&claim);
        let mut ctx = Ctx::new(self, &claim, &keys, opts.today);
        edits::run_all(&mut ctx);
        let mut findings = ctx.into_findings();
        findings
            .sort_by(|a, b| compare_paths(&a.path, &b.path).then(a.edit.cmp(b.edit)).then(a.message.cmp(&b.message)));
        findings.dedup();
        let claim_id = claim.id.unwrap_or_else(|| label.to_string());
        Ok(ScrubResult { claim: claim_id, findings })
    }
}

/// Refuses text beyond the size limit, with an error a user can act on.
fn check_size(text: &str) -> Result<(), NotAClaim> {
    if text.len() > limits::MAX_CLAIM_BYTES {
        return Err(NotAClaim(format!(
            "the claim is {} bytes; at most {} are accepted",
            text.len(),
            limits::MAX_CLAIM_BYTES
        )));
    }
    Ok(())
}

/// Refuses text nested beyond the depth limit, with an error a user can act on.
fn check_depth(text: &str) -> Result<(), NotAClaim> {
    if let Some(depth) = too_deep(text.as_bytes(), limits::MAX_DEPTH) {
        return Err(NotAClaim(format!("JSON nested deeper than {} levels (at byte {depth})", limits::MAX_DEPTH)));
    }
    Ok(())
}

/// Parses JSON text within the claim limits, with an error a user can act on.
pub fn parse_json(text: &str) -> Result<Value, NotAClaim> {
    check_size(text)?;
    check_depth(text)?;
    serde_json::from_str(text).map_err(|e| NotAClaim(format!("not valid JSON: {e}")))
}

/// The byte offset where nesting first exceeds `max`, ignoring brackets in strings.
fn too_deep(b: &[u8], max: usize) -> Option<usize> {
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            match c {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Orders JSON pointers segment by segment, numbers numerically
/// (`/lines/2` before `/lines/10`).
pub fn compare_paths(a: &str, b: &str) -> std::cmp::Ordering {
    let mut x = a.split('/');
    let mut y = b.split('/');
    loop {
        match (x.next(), y.next()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    _ => p.cmp(q),
                };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_sort_numerically_by_segment() {
        let mut v = vec!["/lines/10/code", "/lines/2/code", "/diagnoses/0", "", "/lines/2"];
        v.sort_by(|a, b| compare_paths(a, b));
        assert_eq!(v, ["", "/diagnoses/0", "/lines/2", "/lines/2/code", "/lines/10/code"]);
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = "[".repeat(100_000);
        assert!(parse_json(&deep).unwrap_err().0.contains("nested deeper"));
        assert!(parse_json(r#"{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}"#).is_ok());
    }
}
