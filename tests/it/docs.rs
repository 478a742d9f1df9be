//! `docs/edits.md` runs: every edit of the catalogue has a section
//! (`## EDIT-ID`, a `Severity:` line), and every example claim (a
//! ```` ```json claim ```` block) yields the finding shown in the section's
//! ```` ```json finding ```` block when scrubbed with today = 2026-11-27.
//!
//! `MEDCODE_BLESS=1 cargo test --test it docs` rewrites the finding blocks.

use std::path::PathBuf;

use medcode::scrub::CATALOGUE;
use serde_json::Value;

use crate::scrub::{bless, scrub, write_atomic};

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/edits.md")
}

/// One `## EDIT-ID` section.
#[derive(Debug, Default)]
struct Section {
    id: String,
    severity: Option<String>,
    claim: Option<String>,
    finding: Option<String>,
}

/// The sections of the document, in order.
fn sections(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut block: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some((kind, body)) = &mut block {
            if line.trim_end() == "```" {
                let s = out.last_mut().expect("a code block inside a section");
                let body = std::mem::take(body);
                match kind.as_str() {
                    "claim" => s.claim = Some(body),
                    "finding" => s.finding = Some(body),
                    _ => {}
                }
                block = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        if let Some(id) = line.strip_prefix("## ") {
            out.push(Section { id: id.trim().to_string(), ..Section::default() });
        } else if let Some(sev) = line.strip_prefix("Severity: ") {
            if let Some(s) = out.last_mut() {
                s.severity = Some(sev.trim().to_string());
            }
        } else if let Some(info) = line.strip_prefix("```") {
            let kind = match info.trim() {
                "json claim" => "claim",
                "json finding" => "finding",
                _ => "other",
            };
            if !out.is_empty() {
                block = Some((kind.to_string(), String::new()));
            }
        }
    }
    assert!(block.is_none(), "an unclosed code block in docs/edits.md");
    out
}

/// The finding an example claim yields for its edit, pretty-printed.
fn finding_of(id: &str, claim: &str) -> Result<String, String> {
    let doc: Value = serde_json::from_str(claim).map_err(|e| format!("{id}: the example is not JSON: {e}"))?;
    let res = scrub(&doc);
    let f = res
        .findings
        .iter()
        .find(|f| f.edit == id)
        .ok_or_else(|| format!("{id}: the example does not fire it (it gives {:?})", res.findings))?;
    Ok(serde_json::to_string_pretty(f).unwrap() + "\n")
}

#[test]
fn every_edit_is_documented_with_its_severity() {
    let text = std::fs::read_to_string(doc_path()).expect("docs/edits.md");
    let secs = sections(&text);
    for (id, severity) in CATALOGUE {
        let s = secs.iter().find(|s| s.id == *id).unwrap_or_else(|| panic!("docs/edits.md has no section ## {id}"));
        let sev = s.severity.as_deref().unwrap_or_else(|| panic!("{id}: no Severity: line"));
        assert_eq!(sev.split_whitespace().next(), Some(*severity), "{id}: severity");
        if *id != "NCCI-MUE" {
            assert!(s.claim.is_some() && s.finding.is_some(), "{id}: needs a json claim and a json finding block");
        }
    }
    for s in &secs {
        assert!(CATALOGUE.iter().any(|(id, _)| *id == s.id), "section ## {} is not a catalogue edit", s.id);
    }
    assert_eq!(secs.len(), CATALOGUE.len(), "one section per edit");
}

#[test]
fn every_example_yields_the_finding_shown() {
    let path = doc_path();
    let text = std::fs::read_to_string(&path).expect("docs/edits.md");
    let secs = sections(&text);
    let (mut bad, mut silent) = (Vec::new(), Vec::new());
    let mut fresh: Vec<(String, String)> = Vec::new();
    for s in &secs {
        let Some(claim) = &s.claim else { continue };
        match finding_of(&s.id, claim) {
            Ok(f) => {
                let shown: Option<Value> = s.finding.as_deref().and_then(|t| serde_json::from_str(t).ok());
                if shown.as_ref() != Some(&serde_json::from_str(&f).unwrap()) {
                    bad.push(format!("{}: the finding block differs from what the example yields:\n{f}", s.id));
                }
                fresh.push((s.id.clone(), f));
            }
            Err(e) => silent.push(e),
        }
    }
    assert!(silent.is_empty(), "{}", silent.join("\n"));
    if bless() {
        write_atomic(&path, &rewrite(&text, &fresh));
        return;
    }
    assert!(bad.is_empty(), "{}\n(rerun with MEDCODE_BLESS=1 to rewrite the finding blocks)", bad.join("\n"));
}

/// The document with each section's finding block replaced.
fn rewrite(text: &str, fresh: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut id = String::new();
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        if skipping {
            if line.trim_end() == "```" {
                out.push_str(line);
                skipping = false;
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            id = h.trim().to_string();
        }
        out.push_str(line);
        if line.trim_end() == "```json finding" {
            if let Some((_, f)) = fresh.iter().find(|(i, _)| *i == id) {
                out.push_str(f);
                skipping = true;
            }
        }
    }
    out
}

#[test]
fn the_document_holds_no_cpt_code_but_the_made_up_one() {
    // Only Level II, ICD-10-CM and the made-up "00000" appear in code
    // positions of the examples.
    let text = std::fs::read_to_string(doc_path()).expect("docs/edits.md");
    for s in sections(&text) {
        let Some(claim) = s.claim else { continue };
        let doc: Value = serde_json::from_str(&claim).unwrap();
        for l in doc["lines"].as_array().into_iter().flatten() {
            let code = l["code"].as_str().unwrap_or("");
            let cpt_shaped = code.len() == 5 && code.as_bytes()[..4].iter().all(u8::is_ascii_digit);
            assert!(!cpt_shaped || code == "00000", "{}: {code} looks like a CPT code", s.id);
        }
    }
}
