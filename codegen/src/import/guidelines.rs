//! Lists from the ICD-10-CM Official Guidelines for Coding and Reporting
//! (CMS/NCHS, public domain) that no package ships: written out here.

use std::path::Path;

use crate::tsv::TsvWriter;

/// Where the list comes from.
pub const SOURCE: &str = "ICD-10-CM Official Guidelines for Coding and Reporting FY2026, section I.C.21.c.16 \
                          (Z codes that may only be principal/first-listed diagnosis)";

/// (code prefix, exceptions separated by spaces): Z codes that may only be
/// reported as the first-listed diagnosis, except where more than one such
/// code applies or the exception is listed.
const FIRST_LISTED_ONLY: &[(&str, &str)] = &[
    ("Z00", "Z00.6"),
    ("Z01", "Z01.81"),
    ("Z02", "Z02.9"),
    ("Z03", ""),
    ("Z04", ""),
    ("Z31.81", ""),
    ("Z31.83", ""),
    ("Z31.84", ""),
    ("Z33.2", ""),
    ("Z34", ""),
    ("Z38", ""),
    ("Z39", ""),
    ("Z40", ""),
    ("Z42", ""),
    ("Z51.0", ""),
    ("Z51.1", ""),
    ("Z52", "Z52.9"),
    ("Z76.1", ""),
    ("Z76.2", ""),
    ("Z99.12", ""),
];

/// Writes `icd10cm/first-listed.tsv`.
pub fn write(out: &Path) -> super::Result<()> {
    let mut w = TsvWriter::new(&["code", "except", "source"]);
    for (code, except) in FIRST_LISTED_ONLY {
        w.row(&[*code, *except, "guidelines I.C.21.c.16"]);
    }
    w.write(out)?;
    Ok(())
}
