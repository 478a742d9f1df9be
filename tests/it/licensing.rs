//! CPT (AMA) and CDT (ADA) codes must never ship: not in code-sets/, not in
//! the embedded blobs.

use std::path::Path;

use medcode::System;

use super::mc;

/// `[0-9]{4}[0-9AFTU]` as a whole token: the CPT code format.
fn is_cpt_format(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 5 && b[..4].iter().all(u8::is_ascii_digit) && (b[4].is_ascii_digit() || b"AFTU".contains(&b[4]))
}

/// `D` + 4 digits: a CDT code.
fn is_cdt(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 5 && b[0] == b'D' && b[1..].iter().all(u8::is_ascii_digit)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_cpt_or_cdt_code_in_any_code_set_file() {
    let mut all = Vec::new();
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("code-sets"), &mut all);
    assert!(all.len() >= 10, "code-sets/ should hold the imported files");
    for f in all {
        let text = std::fs::read_to_string(&f).unwrap();
        let hcpcs = f.to_string_lossy().contains("hcpcs");
        for (n, line) in text.lines().enumerate() {
            // Every tab-separated code column: any field that is a code by itself.
            for field in line.split('\t') {
                assert!(!is_cpt_format(field), "{}:{}: CPT-format code {field}", f.display(), n + 1);
                if hcpcs {
                    assert!(!is_cdt(field), "{}:{}: CDT code {field}", f.display(), n + 1);
                }
            }
        }
    }
}

#[test]
fn no_cpt_or_cdt_code_in_the_embedded_sets() {
    for set in mc().sets() {
        for o in 0..set.len() as u32 {
            let code = set.code(o);
            assert!(!is_cpt_format(&code), "{}: {code}", set.system);
            if set.system == System::Hcpcs {
                assert!(!is_cdt(&code), "hcpcs: {code}");
            }
        }
    }
}

#[test]
fn the_detectors_recognise_cpt_and_cdt_shapes() {
    // So the two tests above cannot pass by never matching anything.
    assert!(!is_cpt_format("9921") && is_cpt_format("0001F") && is_cpt_format("1234T"));
    assert!(!is_cpt_format("G0439") && !is_cpt_format("0016070"));
    assert!(is_cdt("D0120") && !is_cdt("E0250"));
}

/// Tokens of CPT shape that are not codes: the made-up codes of the pack
/// fixtures (no CPT code has these numbers), and 80840, the prefix the NPI
/// check digit is computed over (named in NPI-INVALID's message).
fn is_allowed(t: &str) -> bool {
    matches!(t, "0000F" | "0000T" | "80840") || (t.starts_with("000") && t.bytes().all(|b| b.is_ascii_digit()))
}

#[test]
fn no_cpt_code_in_fixtures_corpora_samples_or_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for dir in ["tests/fixtures", "fuzz/corpus", "www/samples", "docs", "tests/relevance", "bench/queries.json"] {
        let p = root.join(dir);
        if p.is_dir() {
            files(&p, &mut all);
        } else if p.is_file() {
            all.push(p);
        }
    }
    assert!(all.len() > 100, "the fixtures and corpora should be there ({} files)", all.len());
    for f in all {
        let Ok(bytes) = std::fs::read(&f) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        for t in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            assert!(!is_cpt_format(t) || is_allowed(t), "{}: CPT-format code {t}", f.display());
            assert!(!is_cdt(t), "{}: CDT code {t}", f.display());
        }
    }
}
