//! `get`: hierarchy, 7th characters, validity by date, flags.

use medcode::GetOptions;

use super::{date, mc};

fn get(code: &str, d: &str) -> medcode::Record {
    mc().get(code, &GetOptions { system: None, date: date(d) }).unwrap_or_else(|| panic!("{code} known"))
}

#[test]
fn s72_001_needs_a_seventh_character_with_its_meanings() {
    let r = get("S72.001", "2026-05-01");
    assert!(!r.billable);
    assert!(r.requires_seventh_character);
    let chars: String = r.seventh_characters.iter().map(|s| s.character.as_str()).collect();
    assert_eq!(chars, "ABCDEFGHJKMNPQRS");
    let a = &r.seventh_characters[0];
    assert_eq!(a.code, "S72.001A");
    assert!(a.meaning.contains("initial encounter"), "{a:?}");
}

#[test]
fn seventh_character_expansions_pad_with_placeholders() {
    let r = get("S02.0", "2026-05-01");
    assert!(r.requires_seventh_character);
    assert_eq!(r.seventh_characters[0].code, "S02.0XXA");
    assert!(get("S02.0XXA", "2026-05-01").billable);
}

#[test]
fn m54_5_was_billable_until_fy2022_then_a_header() {
    assert!(get("M54.5", "2021-06-01").billable);
    let r = get("M54.5", "2026-05-01");
    assert!(!r.billable);
    let kids: Vec<&str> = r.children.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(kids, ["M54.50", "M54.51", "M54.59"]);
}

#[test]
fn c61_male_flag_ends_2024_09_30() {
    let r = get("C61", "2026-05-01");
    let male: Vec<_> = r.flags.iter().filter(|f| f.flag == "male").collect();
    assert_eq!(male.len(), 1, "{:?}", r.flags);
    assert_eq!(male[0].to.to_string(), "2024-09-30");
}

#[test]
fn ancestors_run_from_chapter_to_parent() {
    let r = get("E11.9", "2026-05-01");
    let path: Vec<&str> = r.ancestors.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(path, ["4", "E08-E13", "E11"]);
    assert_eq!(r.parent.as_ref().unwrap().code, "E11");
}

#[test]
fn notes_carry_their_parsed_codes() {
    let r = get("E11.9", "2026-05-01");
    let ex1 = r.notes.iter().find(|n| n.kind == "excludes1" && n.from == "E11").expect("E11 has excludes1 notes");
    assert!(!ex1.codes.is_empty(), "{ex1:?}");
}

#[test]
fn a_deleted_code_keeps_its_description_and_validity() {
    let r = get("M54.5", "2021-06-01");
    assert!(r.display.to_lowercase().contains("low back pain"), "{}", r.display);
    assert_eq!(r.billable_ranges.last().unwrap().to.to_string(), "2021-09-30");
}

#[test]
fn hcpcs_records_have_release_ranges() {
    let r = get("G0439", "2026-05-01");
    assert_eq!(r.system, "hcpcs");
    assert!(r.billable);
    assert!(!r.billable_ranges.is_empty());
}
