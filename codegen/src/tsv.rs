//! Reading and writing the tab-separated files under `code-sets/`.

use std::fmt::Write as _;
use std::path::Path;

/// Collapses whitespace (tabs, newlines, runs of spaces) to single spaces and
/// trims, so a field never breaks the TSV layout.
pub fn clean(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    for word in field.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Accumulates a TSV file in memory: a header line, then rows.
pub struct TsvWriter {
    text: String,
    columns: usize,
}

impl TsvWriter {
    pub fn new(columns: &[&str]) -> Self {
        let mut text = columns.join("\t");
        text.push('\n');
        TsvWriter { text, columns: columns.len() }
    }

    /// Appends one row; fields are cleaned of tabs and newlines.
    pub fn row<S: AsRef<str>>(&mut self, fields: &[S]) {
        assert_eq!(fields.len(), self.columns, "row width differs from header");
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.text.push('\t');
            }
            let f = f.as_ref();
            if f.contains(|c: char| c.is_whitespace() && c != ' ')
                || f.contains("  ")
                || f.starts_with(' ')
                || f.ends_with(' ')
            {
                let _ = write!(self.text, "{}", clean(f));
            } else {
                self.text.push_str(f);
            }
        }
        self.text.push('\n');
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &self.text)
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

/// A parsed TSV file: the header and the rows, borrowing from the text.
pub struct Tsv<'a> {
    pub header: Vec<&'a str>,
    pub rows: Vec<Vec<&'a str>>,
}

/// Error reading a TSV file, with the file and line it concerns.
#[derive(Debug)]
pub struct TsvError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for TsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for TsvError {}

/// Parses `text` (named `file` in errors), checking the header is `expected`.
pub fn parse<'a>(file: &str, text: &'a str, expected: &[&str]) -> Result<Tsv<'a>, TsvError> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| TsvError { file: file.into(), line: 1, message: "empty file".into() })?
        .split('\t')
        .collect();
    if header != expected {
        return Err(TsvError {
            file: file.into(),
            line: 1,
            message: format!("header is {:?}, expected {:?}", header, expected),
        });
    }
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != header.len() {
            return Err(TsvError {
                file: file.into(),
                line: i + 2,
                message: format!("{} fields, expected {}", fields.len(), header.len()),
            });
        }
        rows.push(fields);
    }
    Ok(Tsv { header, rows })
}
