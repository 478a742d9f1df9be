//! The `medcode` binary: exit codes, JSON shapes.

use std::process::Command;

fn medcode(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_medcode")).args(args).output().expect("run medcode");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let (code, out, err) = medcode(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).expect("JSON output")
}

#[test]
fn info_json_counts_billable_codes_on_the_date() {
    let v = json(&["info", "--json", "--date", "2026-04-01"]);
    let by = |s: &str| v.as_array().unwrap().iter().find(|x| x["system"] == s).unwrap().clone();
    assert_eq!(by("icd10cm")["billable"], 74_719);
    assert_eq!(by("hcpcs")["billable"], 7_409);
}

#[test]
fn search_json_puts_the_typed_code_first() {
    for (q, want) in [("E11.9", "E11.9"), ("e119", "E11.9"), ("S72.001A", "S72.001A"), ("G0439", "G0439")] {
        let v = json(&["search", q, "--json"]);
        assert_eq!(v["query"], q);
        assert_eq!(v["results"][0]["code"], want, "{q}");
        let first = &v["results"][0];
        for field in ["system", "code", "display", "billable", "score"] {
            assert!(first.get(field).is_some(), "{field} missing");
        }
    }
}

#[test]
fn get_json_shows_the_seventh_characters_and_dates() {
    let v = json(&["get", "S72.001", "--json", "--date", "2026-05-01"]);
    assert_eq!(v["billable"], false);
    assert_eq!(v["requiresSeventhCharacter"], true);
    assert_eq!(v["seventhCharacters"].as_array().unwrap().len(), 16);
    let v = json(&["get", "M54.5", "--date", "2021-06-01", "--json"]);
    assert_eq!(v["billable"], true);
}

#[test]
fn bad_usage_exits_2_with_a_reason() {
    for args in [
        &["search"][..],
        &["search", "x", "--date", "2026-02-30"],
        &["search", "x", "--limit", "zero"],
        &["search", "x", "--system", "snomed"],
        &["get", "ZZZ.99"],
        &["frobnicate"],
        &[],
    ] {
        let (code, out, err) = medcode(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?} printed {out}");
        assert!(err.starts_with("medcode: ") && err.len() > 12, "{args:?}: {err}");
    }
}

#[test]
fn double_dash_ends_options() {
    let (code, _, err) = medcode(&["search", "--json", "--", "--date"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn human_output_lists_code_and_description() {
    let (code, out, _) = medcode(&["search", "E11.9", "--date", "2026-05-01"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("E11.9"), "{out}");
    assert!(out.contains("Type 2 diabetes mellitus without complications"));
}
