//! `icd10pcs/codes.tsv` from the drg package's `icd_10_pcs.csv`: quoted CSV
//! records `code,long description` (no header in drg 1.0.0; a header line
//! whose first field is `code` is skipped if a later release adds one).

use std::collections::BTreeMap;
use std::path::Path;

use crate::tsv::{clean, TsvWriter};

/// Reads the CSV at `csv` and writes `codes.tsv` at `out`, sorted by code.
pub fn write(csv: &Path, out: &Path) -> super::Result<()> {
    let codes = read(csv)?;
    let mut w = TsvWriter::new(&["code", "description"]);
    for (code, desc) in &codes {
        w.row(&[code.as_str(), desc]);
    }
    w.write(out).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(())
}

/// Code → description, checked: seven letters or digits, one description
/// per code, none empty.
pub fn read(csv: &Path) -> super::Result<BTreeMap<String, String>> {
    let bytes = std::fs::read(csv).map_err(|e| format!("{}: {e}", csv.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("{}:{line}: not UTF-8", csv.display())
    })?;
    parse(&text).map_err(|(line, message)| format!("{}:{line}: {message}", csv.display()).into())
}

/// [`read`] on text; errors carry the 1-based line.
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, LineError> {
    let mut out = BTreeMap::new();
    for (n, (line, record)) in records(text)?.into_iter().enumerate() {
        let err = |m: String| (line, m);
        if record.len() != 2 {
            return Err(err(format!("{} fields, expected 2 (code, description)", record.len())));
        }
        let code = record[0].trim();
        if n == 0 && code.eq_ignore_ascii_case("code") {
            continue;
        }
        let shaped = code.len() == 7 && code.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if !shaped {
            return Err(err(format!("{code:?} is not an ICD-10-PCS code (seven letters or digits)")));
        }
        let desc = clean(&record[1]);
        if desc.is_empty() {
            return Err(err(format!("{code} has no description")));
        }
        if let Some(old) = out.insert(code.to_string(), desc) {
            if old != out[code] {
                return Err(err(format!("{code} appears twice with different descriptions")));
            }
        }
    }
    Ok(out)
}

/// A CSV record: the line it starts on and its fields.
pub type Record = (usize, Vec<String>);

/// An error at a 1-based line.
pub type LineError = (usize, String);

/// Splits CSV text (RFC 4180: `"` quotes, `""` inside quotes, `,`, CRLF or
/// LF) into records of fields, each with the line it starts on. Blank lines
/// are skipped.
pub fn records(text: &str) -> Result<Vec<Record>, LineError> {
    let mut out = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false; // inside quotes
    let mut was_quoted = false; // the current field was quoted
    let mut line = 1;
    let mut start_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' => return Err((line, "stray quote inside an unquoted field".into())),
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields[0].is_empty() && !was_quoted) {
                    out.push((start_line, std::mem::take(&mut fields)));
                }
                fields.clear();
                was_quoted = false;
                line += 1;
                start_line = line;
            }
            _ if was_quoted => return Err((line, format!("text {c:?} after a closing quote"))),
            _ => field.push(c),
        }
    }
    if quoted {
        return Err((start_line, "quoted field never closed".into()));
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        fields.push(field);
        out.push((start_line, fields));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_csv() {
        let text = "\"0016070\",\"Bypass Cerebral Ventricle to Nasopharynx, Open Approach\"\r\n\
                    \"0016071\",\"Says \"\"hello\"\", then\nwraps\"\n\
                    \n\
                    0016072,plain field\n\
                    \"0016073\",\"\"";
        let r = records(text).unwrap();
        assert_eq!(r.len(), 4);
        assert_eq!(r[0], (1, vec!["0016070".into(), "Bypass Cerebral Ventricle to Nasopharynx, Open Approach".into()]));
        assert_eq!(r[1], (2, vec!["0016071".into(), "Says \"hello\", then\nwraps".into()]));
        assert_eq!(r[2], (5, vec!["0016072".into(), "plain field".into()]));
        assert_eq!(r[3], (6, vec!["0016073".into(), String::new()]));
        assert!(records("\"abc").unwrap_err().1.contains("never closed"));
        assert!(records("ab\"c\n").unwrap_err().1.contains("stray quote"));
        assert!(records("\"ab\"c\n").unwrap_err().1.contains("after a closing quote"));
    }

    #[test]
    fn codes() {
        let m = parse("code,description\n\"0016070\",\"Bypass,  Open\"\n\"0016070\",\"Bypass, Open\"\nXW033E5,\"New Technology\"\n").unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["0016070"], "Bypass, Open");
        assert_eq!(m["XW033E5"], "New Technology");
        assert_eq!(parse("\"001607\",\"short\"\n").unwrap_err().0, 1);
        assert!(parse("0016070,a\n0016070,b\n").unwrap_err().1.contains("different"));
        assert!(parse("0016070,a,b\n").unwrap_err().1.contains("3 fields"));
        assert!(parse("0016070,\n").unwrap_err().1.contains("no description"));
        assert_eq!(parse("0016070,a\n0016071\n").unwrap_err().0, 2);
    }
}
