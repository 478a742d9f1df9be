//! `icd10cm/history.tsv`: descriptions of the codes the MCE table knows (valid
//! at some date since 2015-10-01) that the current tabular no longer has.
//!
//! Each code is described from the newest source that has it:
//! `tabular-2025` (the FY2025 April tabular, 7th-character expansions
//! included), `order-2021` (long description in the FY2021 order file),
//! `oce-short` (pyoce's short description); else an empty description and
//! source `none`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use super::tabular::{self, Kind, Tabular};
use crate::tsv::{clean, TsvWriter};

pub struct Inputs<'a> {
    /// The current (FY2026 April) tabular.
    pub tabular: &'a Tabular,
    pub mce: &'a super::mce::Mce,
    /// pyoce's ICD-10-CM short descriptions: dotless code → description.
    pub dx10_short: &'a BTreeMap<String, String>,
    /// `icd10cm-tabular-April-2025.xml`.
    pub tabular_2025: &'a Path,
    /// `icd10cm-order-Jan-2021.txt`.
    pub order_2021: &'a Path,
}

/// One row of `history.tsv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Dotless.
    pub code: String,
    pub description: String,
    /// `tabular-2025`, `order-2021`, `oce-short` or `none`.
    pub source: &'static str,
}

/// Reads the older sources and writes `history.tsv` at `path`.
pub fn write(inputs: &Inputs<'_>, path: &Path) -> super::Result<()> {
    let old = tabular::read(inputs.tabular_2025)?;
    let old: HashMap<String, String> = old
        .entries
        .into_iter()
        .filter(|e| !matches!(e.kind, Kind::Chapter | Kind::Block))
        .map(|e| (tabular::dotless(&e.code), e.description))
        .collect();
    let order = read_order(inputs.order_2021)?;
    let missing = missing_codes(inputs.tabular, inputs.mce.dx.iter().map(|r| r.code.as_str()));
    let rows = describe(&missing, &old, &order, inputs.dx10_short);
    write_rows(&rows, path)
}

/// MCE codes (dotless) absent from the tabular, sorted and unique.
pub fn missing_codes<'a>(tab: &Tabular, mce_codes: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    let current: HashSet<String> = tab.dotless_codes();
    mce_codes.filter(|c| !current.contains(*c)).map(str::to_string).collect()
}

/// One description source: code → description.
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Describes each code from the newest source that has it.
pub fn describe(
    codes: &BTreeSet<String>,
    tabular_2025: &HashMap<String, String>,
    order_2021: &HashMap<String, String>,
    oce_short: &BTreeMap<String, String>,
) -> Vec<Row> {
    let sources: [(&'static str, Lookup<'_>); 3] = [
        ("tabular-2025", &|c| tabular_2025.get(c).cloned()),
        ("order-2021", &|c| order_2021.get(c).cloned()),
        ("oce-short", &|c| oce_short.get(c).map(|d| clean(d))),
    ];
    codes
        .iter()
        .map(|code| {
            let found = sources.iter().find_map(|(name, get)| get(code).filter(|d| !d.is_empty()).map(|d| (*name, d)));
            let (source, description) = found.unwrap_or(("none", String::new()));
            Row { code: code.clone(), description, source }
        })
        .collect()
}

/// Writes the rows (already sorted by dotless code, which is also the order
/// of the dotted codes).
pub fn write_rows(rows: &[Row], path: &Path) -> super::Result<()> {
    let mut w = TsvWriter::new(&["code", "description", "source"]);
    for r in rows {
        w.row(&[tabular::dotted(&r.code).as_str(), &r.description, r.source]);
    }
    w.write(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// The CMS order file: fixed columns `order(5) code(7) billable(1) short(60)
/// long(...)` separated by single spaces. Returns dotless code → long
/// description.
pub fn read_order(path: &Path) -> super::Result<HashMap<String, String>> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("{}:{line}: not UTF-8", path.display())
    })?;
    parse_order(&text).map_err(|(line, message)| format!("{}:{line}: {message}", path.display()).into())
}

/// [`read_order`] on text; errors carry the 1-based line.
pub fn parse_order(text: &str) -> Result<HashMap<String, String>, (usize, String)> {
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let err = |m: &str| (i + 1, m.to_string());
        if !line.is_ascii() {
            return Err(err("non-ASCII text in a fixed-column file"));
        }
        if line.len() < 78 {
            return Err(err(&format!("line is {} characters, a record needs at least 78", line.len())));
        }
        let (order, code, flag) = (&line[0..5], line[6..13].trim_end(), &line[14..15]);
        if !order.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(&format!("order number {order:?} is not a number")));
        }
        let shaped = code.len() >= 3
            && code.as_bytes()[0].is_ascii_uppercase()
            && code.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if !shaped {
            return Err(err(&format!("code {code:?} is not an ICD-10-CM code")));
        }
        if flag != "0" && flag != "1" {
            return Err(err(&format!("billable flag {flag:?} is not 0 or 1")));
        }
        let long = clean(&line[77..]);
        if out.insert(code.to_string(), long).is_some() {
            return Err(err(&format!("code {code} appears twice")));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::tabular::Entry;

    fn line(order: u32, code: &str, billable: u8, short: &str, long: &str) -> String {
        format!("{order:05} {code:<7} {billable} {short:<60} {long}\r\n")
    }

    #[test]
    fn order_file() {
        let text = line(1, "A00", 0, "Cholera", "Cholera")
            + &line(
                2,
                "A000",
                1,
                "Cholera due to Vibrio cholerae 01, biovar cholerae",
                "Cholera due to Vibrio cholerae 01, biovar cholerae",
            )
            + &line(
                3,
                "S72001A",
                1,
                "Fx unsp part of neck of right femur, init",
                "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture",
            );
        let m = parse_order(&text).unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!(m["A000"], "Cholera due to Vibrio cholerae 01, biovar cholerae");
        assert_eq!(
            m["S72001A"],
            "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture"
        );
        assert_eq!(parse_order("00001 A00").unwrap_err().0, 1);
        let bad = line(1, "A00", 0, "x", "y") + &line(2, "a00", 0, "x", "y");
        assert_eq!(parse_order(&bad).unwrap_err().0, 2);
        let bad = line(1, "A00", 7, "x", "y");
        assert!(parse_order(&bad).unwrap_err().1.contains("billable flag"));
        let dup = line(1, "A00", 0, "x", "y") + &line(2, "A00", 0, "x", "y");
        assert!(parse_order(&dup).unwrap_err().1.contains("twice"));
    }

    #[test]
    fn newest_source_wins() {
        let entry = |code: &str, kind| Entry {
            code: code.into(),
            kind,
            parent: String::new(),
            billable: true,
            description: "current".into(),
        };
        let tab = Tabular {
            entries: vec![entry("1", Kind::Chapter), entry("A00-A09", Kind::Block), entry("A00.0", Kind::Code)],
            ..Default::default()
        };
        let missing = missing_codes(&tab, ["A000", "Z1", "Z2", "Z3", "Z4", "Z3"].into_iter());
        assert_eq!(missing.iter().map(String::as_str).collect::<Vec<_>>(), ["Z1", "Z2", "Z3", "Z4"]);
        let t25: HashMap<String, String> = [("Z1".to_string(), "from 2025".to_string())].into();
        let o21: HashMap<String, String> =
            [("Z1", "old"), ("Z2", "from 2021"), ("Z3", "")].map(|(a, b)| (a.to_string(), b.to_string())).into();
        let oce: BTreeMap<String, String> =
            [("Z2", "short"), ("Z3", "Short  desc\t3")].map(|(a, b)| (a.to_string(), b.to_string())).into();
        let rows = describe(&missing, &t25, &o21, &oce);
        let got: Vec<String> = rows.iter().map(|r| format!("{}|{}|{}", r.code, r.description, r.source)).collect();
        assert_eq!(
            got,
            ["Z1|from 2025|tabular-2025", "Z2|from 2021|order-2021", "Z3|Short desc 3|oce-short", "Z4||none"]
        );
        let dir = std::env::temp_dir().join(format!("medcode-history-test-{}", std::process::id()));
        let path = dir.join("history.tsv");
        write_rows(&rows, &path).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "code\tdescription\tsource\nZ1\tfrom 2025\ttabular-2025\nZ2\tfrom 2021\torder-2021\nZ3\tShort desc 3\toce-short\nZ4\t\tnone\n"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
