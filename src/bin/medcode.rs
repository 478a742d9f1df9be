//! The `medcode` command line: search, get and info over the embedded code
//! sets and loaded packs, claim scrubbing, and `pack build`. JSON output
//! (`--json`) is a public contract: fields are added, never renamed. Exit
//! status: 0 success, 2 bad usage or input (reason on stderr).

// In wasm a panic aborts the whole module, so non-test code must not panic by
// construction (issue #8): use checked access (`get`, iterators, patterns).
// Unit tests are exempt. The reviewed allow-list is any scoped
// `#[allow(clippy::indexing_slicing)] // in bounds: <reason>` (ARCHITECTURE.md).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::todo,
        clippy::unimplemented,
        clippy::unreachable,
        clippy::indexing_slicing
    )
)]

use std::io::Write;
use std::process::ExitCode;

use medcode::scrub::{Format, ScrubOptions};
use medcode::{Date, GetOptions, MedCode, PackKind, SearchOptions, System};

const USAGE: &str = "\
usage:
  medcode search QUERY [--system icd10cm|hcpcs|icd10pcs|pos|cpt] [--limit N] [--date YYYY-MM-DD] [--billable] [--within CODE|BLOCK|CHAPTER] [--pack FILE]... [--json]
  medcode get CODE [--system S] [--date YYYY-MM-DD] [--pack FILE]... [--json]
  medcode tree CODE [--system S] [--date YYYY-MM-DD] [--pack FILE]... [--json]
  medcode seventh CODE [--date YYYY-MM-DD] [--json]
  medcode info [--date YYYY-MM-DD] [--pack FILE]... [--json]
  medcode scrub [FILE|-] [--today YYYY-MM-DD] [--format auto|medcode|fhir] [--pack FILE]... [--pretty]
  medcode pack build --kind cpt|ncci-ptp|mue FILE... -o OUT.mcpack [--edition TEXT] [--progress] [--json]
  medcode help

`--` ends options (a query may then start with '-'). Dates default to today.
scrub reads one JSON claim or NDJSON (one claim per line) and prints one JSON
line per claim; exit 0: no error findings, 1: some claim has an error finding,
2: some input could not be read.
--pack loads a pack built by `medcode pack build` (CPT codes, NCCI PTP edits,
medically unlikely edits); repeat it to load several. pack build reads the
publishers' files (AMA CPT descriptor files or a CSV; CMS NCCI PTP and MUE
files), reports progress on stderr for large inputs and prints a summary.";

/// Today from the system clock. (The CLI is a native program; it is also
/// compiled for wasm32 only because `cargo test --target wasm32… --test wasm`
/// builds every binary, and there it has no clock.)
fn today() -> Date {
    #[cfg(not(target_arch = "wasm32"))]
    return Date::today();
    #[cfg(target_arch = "wasm32")]
    return Date::from_days(0);
}

/// A usage or input error: printed to stderr, exit status 2.
struct Usage(String);

impl<E: std::fmt::Display> From<E> for Usage {
    fn from(e: E) -> Self {
        Usage(e.to_string())
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(Usage(msg)) => {
            eprintln!("medcode: {msg}");
            ExitCode::from(2)
        }
    }
}

/// Parsed flags and positional arguments.
#[derive(Default)]
struct Args {
    positional: Vec<String>,
    system: Option<System>,
    limit: Option<usize>,
    date: Option<Date>,
    billable: bool,
    json: bool,
    within: Option<String>,
    today: Option<Date>,
    format: Option<Format>,
    pretty: bool,
    packs: Vec<String>,
    kind: Option<PackKind>,
    output: Option<String>,
    edition: Option<String>,
    progress: bool,
}

fn parse(args: &[String]) -> Result<Args, Usage> {
    let mut out = Args::default();
    let mut it = args.iter();
    let mut only_positional = false;
    while let Some(a) = it.next() {
        if a == "-o" && !only_positional {
            out.output = Some(it.next().cloned().ok_or_else(|| Usage("-o needs a value".into()))?);
            continue;
        }
        if only_positional || !a.starts_with("--") || a == "-" {
            out.positional.push(a.clone());
            continue;
        }
        if a == "--" {
            only_positional = true;
            continue;
        }
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        let mut value = || -> Result<String, Usage> {
            inline.clone().or_else(|| it.next().cloned()).ok_or_else(|| Usage(format!("{name} needs a value")))
        };
        match name {
            "--system" => out.system = Some(System::parse(&value()?)?),
            "--limit" => {
                let v = value()?;
                let n: usize = v.parse().map_err(|_| Usage(format!("--limit: {v:?} is not a whole number")))?;
                if n == 0 || n > medcode::lookup::MAX_LIMIT {
                    return Err(Usage(format!("--limit must be 1..{}", medcode::lookup::MAX_LIMIT)));
                }
                out.limit = Some(n);
            }
            "--date" => out.date = Some(Date::parse("--date", &value()?)?),
            "--billable" => out.billable = true,
            "--within" => out.within = Some(value()?),
            "--json" => out.json = true,
            "--pretty" => out.pretty = true,
            "--today" => out.today = Some(Date::parse("--today", &value()?)?),
            "--format" => {
                out.format = match value()?.as_str() {
                    "auto" => None,
                    "medcode" => Some(Format::Medcode),
                    "fhir" => Some(Format::Fhir),
                    other => return Err(Usage(format!("--format: {other:?} is not auto, medcode or fhir"))),
                }
            }
            "--pack" => out.packs.push(value()?),
            "--kind" => {
                let v = value()?;
                out.kind = Some(
                    PackKind::parse(&v).ok_or_else(|| Usage(format!("--kind: {v:?} is not cpt, ncci-ptp or mue")))?,
                );
            }
            "--output" => out.output = Some(value()?),
            "--edition" => out.edition = Some(value()?),
            "--progress" => out.progress = true,
            _ => return Err(Usage(format!("unknown option {name}\n{USAGE}"))),
        }
    }
    Ok(out)
}

fn run(args: &[String]) -> Result<ExitCode, Usage> {
    let Some((command, rest)) = args.split_first() else { return Err(Usage(USAGE.into())) };
    if matches!(command.as_str(), "help" | "--help" | "-h") {
        println!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
    let a = parse(rest)?;
    if command == "pack" {
        return pack::run(&a);
    }
    let date = a.date.unwrap_or_else(today);
    let mut mc = MedCode::embedded()?;
    for path in &a.packs {
        let bytes = std::fs::read(path).map_err(|e| Usage(format!("cannot read pack {path}: {e}")))?;
        mc.load_pack_as(bytes, path).map_err(|e| Usage(format!("{e} [{}]", e.code())))?;
    }
    let mut out = std::io::stdout().lock();
    match command.as_str() {
        "search" => {
            let query = match a.positional.as_slice() {
                [] => return Err(Usage("search needs a QUERY".into())),
                words => words.join(" "),
            };
            let opts = SearchOptions {
                system: a.system,
                limit: a.limit.unwrap_or(20),
                date,
                billable_only: a.billable,
                within: a.within.clone(),
            };
            let res = mc.search(&query, &opts);
            if a.json {
                writeln!(out, "{}", serde_json::to_string(&res)?)?;
            } else {
                if res.results.is_empty() {
                    writeln!(out, "no codes match {query:?} on {date}")?;
                }
                for r in &res.did_you_mean {
                    writeln!(out, "did you mean {} {}?", r.code, r.display)?;
                }
                for r in &res.results {
                    let mark = if r.billable { "" } else { "  (header)" };
                    writeln!(out, "{:<9} {:<8} {}{mark}", r.code, r.system, r.display)?;
                }
            }
        }
        "get" => {
            let code = match a.positional.as_slice() {
                [c] => c,
                [] => return Err(Usage("get needs a CODE".into())),
                _ => return Err(Usage("get takes one CODE".into())),
            };
            let Some(rec) = mc.get(code, &GetOptions { system: a.system, date }) else {
                let within = a.system.map(|s| format!(" in {s}")).unwrap_or_default();
                return Err(Usage(format!("no code {code:?}{within}; try `medcode search {code}`")));
            };
            if a.json {
                writeln!(out, "{}", serde_json::to_string(&rec)?)?;
            } else {
                print_record(&mut out, &rec)?;
            }
        }
        "tree" | "seventh" => {
            let code = match a.positional.as_slice() {
                [c] => c,
                _ => return Err(Usage(format!("{command} takes one CODE"))),
            };
            let opts = GetOptions { system: a.system, date };
            let unknown = || Usage(format!("no code {code:?}; try `medcode search {code}`"));
            if command == "tree" {
                let tree = mc.tree(code, &opts).ok_or_else(unknown)?;
                if a.json {
                    writeln!(out, "{}", serde_json::to_string(&tree)?)?;
                } else {
                    for (depth, node) in tree.path.iter().enumerate() {
                        writeln!(out, "{:indent$}{} {}", "", node.code, node.display, indent = depth * 2)?;
                    }
                    for c in &tree.children {
                        let mark = if c.billable { "" } else { "  (header)" };
                        writeln!(out, "{:indent$}{} {}{mark}", "", c.code, c.display, indent = tree.path.len() * 2)?;
                    }
                }
            } else {
                let list = mc.seventh(code, &opts).ok_or_else(unknown)?;
                if a.json {
                    writeln!(out, "{}", serde_json::to_string(&list)?)?;
                } else if list.is_empty() {
                    writeln!(out, "{code} takes no 7th character")?;
                } else {
                    for s in &list {
                        writeln!(out, "{} {:<9} {}", s.character, s.code, s.meaning)?;
                    }
                }
            }
        }
        "info" => {
            let info = mc.info(date);
            if a.json {
                writeln!(out, "{}", serde_json::to_string(&info)?)?;
            } else {
                for s in &info {
                    let counted = if s.system == "ncci-ptp" || s.system == "mue" { "in effect" } else { "billable" };
                    writeln!(
                        out,
                        "{:<9} {:>7} entries, {:>6} {counted} on {date}; valid {}..{}\n          {}\n          source: {}",
                        s.system, s.entries, s.billable, s.valid_from, s.valid_to, s.edition, s.source
                    )?;
                    if let Some(p) = &s.pack {
                        writeln!(
                            out,
                            "          pack: {} ({} bytes, checksum {}), {}",
                            p.name, p.bytes, p.checksum, p.built
                        )?;
                    }
                }
            }
        }
        "scrub" => {
            let opts = ScrubOptions { today: a.today.unwrap_or_else(today), format: a.format };
            let input: Box<dyn std::io::BufRead> = match a.positional.as_slice() {
                [] => Box::new(std::io::stdin().lock()),
                [f] if f == "-" => Box::new(std::io::stdin().lock()),
                [f] => Box::new(std::io::BufReader::new(
                    std::fs::File::open(f).map_err(|e| Usage(format!("cannot read {f}: {e}")))?,
                )),
                _ => return Err(Usage("scrub takes one FILE (or - for standard input)".into())),
            };
            drop(out);
            return scrub::run(&mc, input, &opts, a.pretty);
        }
        other => return Err(Usage(format!("unknown command {other:?}\n{USAGE}"))),
    }
    Ok(ExitCode::SUCCESS)
}

mod pack {
    //! `medcode pack build`: the publishers' files → one `.mcpack`.

    use std::process::ExitCode;

    use super::{Args, Usage};

    #[cfg(target_arch = "wasm32")]
    pub fn run(_: &Args) -> Result<ExitCode, Usage> {
        Err(Usage("pack build is not available in this build".into()))
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub fn run(a: &Args) -> Result<ExitCode, Usage> {
        use std::io::{IsTerminal, Write};

        use medcode::pack::build::{build, Options, Progress, Source};

        match a.positional.first().map(String::as_str) {
            Some("build") => {}
            Some(other) => return Err(Usage(format!("unknown pack command {other:?}; try `medcode pack build`"))),
            None => {
                return Err(Usage("pack needs a command: medcode pack build --kind KIND FILE... -o OUT.mcpack".into()))
            }
        }
        let kind = a.kind.ok_or_else(|| Usage("pack build needs --kind cpt, ncci-ptp or mue".into()))?;
        let output = a.output.as_deref().ok_or_else(|| Usage("pack build needs -o OUT.mcpack".into()))?;
        let files = a.positional.get(1..).unwrap_or_default();
        if files.is_empty() {
            return Err(Usage("pack build needs at least one input FILE".into()));
        }
        let mut sources = Vec::with_capacity(files.len());
        for f in files {
            let bytes = std::fs::read(f).map_err(|e| Usage(format!("cannot read {f}: {e}")))?;
            // The file name alone goes into the pack and its messages' locations.
            let name =
                std::path::Path::new(f).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(f.clone());
            sources.push(Source { name, bytes });
        }
        let total: usize = sources.iter().map(|s| s.bytes.len()).sum();
        let show = a.progress || total >= 1 << 20;
        let tty = std::io::stderr().is_terminal();
        let mut last_pct: Option<(usize, usize)> = None;
        let mut on_progress = |p: &Progress| {
            if !show {
                return;
            }
            let pct = (p.done * 100).checked_div(p.size).unwrap_or(100);
            let step = if tty { pct } else { pct / 10 * 10 };
            if last_pct == Some((p.file_index, step)) {
                return;
            }
            last_pct = Some((p.file_index, step));
            let line = format!(
                "medcode: reading {} (file {} of {}): {pct}%, {} rows",
                p.file,
                p.file_index + 1,
                p.files,
                p.rows
            );
            let mut err = std::io::stderr().lock();
            let _ = if tty {
                write!(err, "\r{line}\x1b[K{}", if pct >= 100 { "\n" } else { "" })
            } else {
                writeln!(err, "{line}")
            };
        };
        let opts = Options { edition: a.edition.clone() };
        let (bytes, summary) =
            build(kind, &sources, &opts, &mut on_progress).map_err(|e| Usage(format!("{e} [{}]", e.code())))?;
        let tmp = format!("{output}.tmp");
        std::fs::write(&tmp, &bytes).map_err(|e| Usage(format!("cannot write {tmp}: {e}")))?;
        std::fs::rename(&tmp, output).map_err(|e| Usage(format!("cannot write {output}: {e}")))?;
        let mut out = std::io::stdout().lock();
        if a.json {
            writeln!(out, "{}", serde_json::to_string(&summary)?)?;
            return Ok(ExitCode::SUCCESS);
        }
        writeln!(out, "wrote {output}: {} pack, {} bytes", summary.kind, summary.bytes)?;
        writeln!(out, "  edition: {}", summary.edition)?;
        for f in &summary.files {
            writeln!(
                out,
                "  {}: {} rows read, {} used, {} header lines",
                f.file, f.rows_read, f.rows_used, f.header_lines
            )?;
        }
        let skipped: usize = summary.skipped.iter().map(|s| s.rows).sum();
        writeln!(out, "  rows: {} read, {} used, {skipped} skipped", summary.rows_read, summary.rows_used)?;
        for s in &summary.skipped {
            writeln!(out, "    {} skipped: {} (first at {})", s.rows, s.reason, s.first)?;
        }
        let what = match summary.kind {
            medcode::PackKind::Cpt => "CPT codes",
            medcode::PackKind::NcciPtp => "edit rows",
            medcode::PackKind::Mue => "MUE rows",
        };
        writeln!(out, "  {} {what}, {} distinct codes", summary.entries, summary.codes)?;
        writeln!(out, "  dates: {}..{}", summary.valid_from, summary.valid_to)?;
        Ok(ExitCode::SUCCESS)
    }
}

mod scrub {
    //! `medcode scrub`: one JSON claim, or NDJSON streamed a line at a time.

    use std::io::{BufRead, BufWriter, Write};
    use std::process::ExitCode;

    use medcode::scrub::{limits, ScrubOptions};
    use medcode::MedCode;

    use super::Usage;

    /// Bracket depth change of a chunk of JSON text, ignoring strings.
    fn depth_delta(text: &str, in_str: &mut bool, esc: &mut bool) -> i64 {
        let mut d = 0;
        for c in text.bytes() {
            if *in_str {
                match c {
                    _ if *esc => *esc = false,
                    b'\\' => *esc = true,
                    b'"' => *in_str = false,
                    _ => {}
                }
                continue;
            }
            match c {
                b'"' => *in_str = true,
                b'{' | b'[' => d += 1,
                b'}' | b']' => d -= 1,
                _ => {}
            }
        }
        d
    }

    /// `{"line": N, "error": "..."}`, fields in that order.
    fn line_error(line: usize, message: &str) -> String {
        format!("{{\"line\":{line},\"error\":{}}}", serde_json::Value::from(message))
    }

    pub fn run(
        mc: &MedCode,
        mut input: Box<dyn BufRead>,
        opts: &ScrubOptions,
        pretty: bool,
    ) -> Result<ExitCode, Usage> {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let (mut any_error, mut unreadable) = (false, false);
        let mut raw: Vec<u8> = Vec::new();
        let mut line = String::new();
        let mut doc = String::new();
        let (mut start_line, mut line_no) = (0usize, 0usize);
        let (mut depth, mut in_str, mut esc) = (0i64, false, false);
        // NDJSON until the first document turns out to span lines.
        let mut multi_line = false;
        let mut first_doc = true;
        loop {
            raw.clear();
            line.clear();
            let n = input.read_until(b'\n', &mut raw).map_err(|e| Usage(format!("cannot read input: {e}")))?;
            let eof = n == 0;
            if !eof {
                line_no += 1;
                match std::str::from_utf8(&raw) {
                    Ok(text) => line.push_str(text),
                    Err(e) => {
                        // One unreadable line loses only itself; the batch goes on.
                        unreadable = true;
                        let msg = format!("line {line_no} is not valid UTF-8 (byte {})", e.valid_up_to() + 1);
                        eprintln!("medcode: {msg}");
                        writeln!(out, "{}", line_error(line_no, &msg)).map_err(|e| Usage(e.to_string()))?;
                        continue;
                    }
                }
                if doc.is_empty() && line.trim().is_empty() {
                    continue;
                }
                if doc.is_empty() {
                    start_line = line_no;
                }
                depth += depth_delta(&line, &mut in_str, &mut esc);
                doc.push_str(&line);
                let complete = depth <= 0;
                if !complete && first_doc && !multi_line {
                    multi_line = true;
                }
                let too_big = doc.len() > limits::MAX_CLAIM_BYTES;
                if !(complete || !multi_line || too_big) {
                    continue;
                }
            }
            if doc.trim().is_empty() {
                if eof {
                    break;
                }
                continue;
            }
            first_doc = false;
            let label = start_line.to_string();
            match mc.scrub_str(doc.trim(), opts, &label) {
                Ok(res) => {
                    any_error |= res.has_errors();
                    let text = if pretty { serde_json::to_string_pretty(&res) } else { serde_json::to_string(&res) };
                    writeln!(out, "{}", text.map_err(|e| Usage(e.to_string()))?).map_err(|e| Usage(e.to_string()))?;
                }
                Err(e) => {
                    unreadable = true;
                    eprintln!("medcode: line {start_line}: {e}");
                    writeln!(out, "{}", line_error(start_line, &e.0)).map_err(|e| Usage(e.to_string()))?;
                }
            }
            doc.clear();
            depth = 0;
            in_str = false;
            esc = false;
            if eof {
                break;
            }
        }
        out.flush().map_err(|e| Usage(e.to_string()))?;
        Ok(if unreadable {
            ExitCode::from(2)
        } else if any_error {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    }
}

fn print_record(out: &mut impl Write, r: &medcode::Record) -> std::io::Result<()> {
    let status = if r.billable {
        "billable"
    } else if r.requires_seventh_character {
        "needs a 7th character"
    } else if r.in_effect {
        "header (not billable)"
    } else {
        "not in effect"
    };
    writeln!(out, "{} ({}) {}: {}", r.code, r.system, r.kind, r.display)?;
    writeln!(out, "  on {}: {status}", r.date)?;
    let ranges: Vec<String> = r.billable_ranges.iter().map(|x| format!("{}..{}", x.from, x.to)).collect();
    if !ranges.is_empty() {
        writeln!(out, "  billable: {}", ranges.join(", "))?;
    }
    for a in &r.ancestors {
        writeln!(out, "  in {} {}", a.code, a.display)?;
    }
    if !r.children.is_empty() {
        writeln!(out, "  children:")?;
        for c in &r.children {
            writeln!(out, "    {:<9} {}", c.code, c.display)?;
        }
    }
    if !r.seventh_characters.is_empty() {
        writeln!(out, "  7th characters:")?;
        for s in &r.seventh_characters {
            writeln!(out, "    {} {:<9} {}", s.character, s.code, s.meaning)?;
        }
    }
    for n in &r.notes {
        writeln!(out, "  {} ({}): {}", n.kind, n.from, n.text)?;
    }
    for f in &r.flags {
        writeln!(out, "  flag {} {}..{}", f.flag, f.from, f.to)?;
    }
    Ok(())
}
