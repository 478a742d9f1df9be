//! The import reproduces the counts DATA-SOURCES.md promises.

use medcode::System;

use super::{date, mc};

#[test]
fn icd10cm_has_74719_billable_codes_on_2026_04_01() {
    let set = mc().set(System::Icd10Cm).unwrap();
    assert_eq!(set.billable_count(date("2026-04-01")), 74_719);
}

#[test]
fn hcpcs_has_7409_level_ii_codes_on_2026_04_01() {
    let set = mc().set(System::Hcpcs).unwrap();
    assert_eq!(set.billable_count(date("2026-04-01")), 7_409);
}

#[test]
fn hcpcs_has_8204_codes_across_all_releases() {
    let set = mc().set(System::Hcpcs).unwrap();
    assert_eq!(set.len(), 8_204);
}

#[test]
fn icd10cm_tabular_entries_are_all_present() {
    // 98,186 codes and headers of the FY2026 April tabular with every 7th-character
    // expansion; each must be in effect on 2026-04-01.
    let set = mc().set(System::Icd10Cm).unwrap();
    let d = date("2026-04-01");
    let current = (0..set.len() as u32)
        .filter(|&o| {
            matches!(
                set.kind(o),
                medcode::codeset::EntryKind::Category
                    | medcode::codeset::EntryKind::Subcategory
                    | medcode::codeset::EntryKind::Code
            ) && set.exists_on(o, d)
        })
        .count();
    assert_eq!(current, 98_186);
}

#[test]
fn info_reports_each_embedded_set_with_its_edition() {
    let info = mc().info(date("2026-04-01"));
    let systems: Vec<&str> = info.iter().map(|s| s.system).collect();
    assert!(systems.contains(&"icd10cm") && systems.contains(&"hcpcs") && systems.contains(&"pos"));
    for s in &info {
        assert!(!s.edition.is_empty() && !s.source.is_empty(), "{s:?}");
    }
}

#[test]
fn place_of_service_list_has_office_and_telehealth() {
    let set = mc().set(System::PlaceOfService).unwrap();
    let office = set.ordinal("11").expect("POS 11");
    assert_eq!(set.description(office), "Office");
    assert!(set.ordinal("10").is_some() && set.ordinal("02").is_some());
}
