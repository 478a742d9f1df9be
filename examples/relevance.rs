//! The relevance suite's table: top-1/top-5/top-10 hit rates per category
//! and overall, the misses, and whether every floor of
//! `tests/relevance/floors.json` is met.
//!
//! ```sh
//! cargo run --release --example relevance                        # Markdown
//! cargo run --release --example relevance -- --json              # JSON, every query's outcome
//! cargo run --release --example relevance --features icd10pcs    # with the ICD-10-PCS queries
//! ```
//!
//! Exit status: 0 when every floor is met, 1 when one is not (or a
//! must-show query misses), 2 when the suite cannot be read.

#[path = "../tests/relevance/eval.rs"]
mod eval;

use std::path::PathBuf;

const USAGE: &str = "usage: relevance [--json] [--dir DIR]";

fn main() {
    let mut json = false;
    let mut dir = eval::suite_dir();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json = true,
            "--dir" => match args.next() {
                Some(d) => dir = PathBuf::from(d),
                None => fail(USAGE),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => fail(&format!("unknown argument {a:?}\n{USAGE}")),
        }
    }
    let mc = medcode::MedCode::embedded().unwrap_or_else(|e| fail(&e.to_string()));
    let suite = eval::load_suite(&dir).unwrap_or_else(|e| fail(&e));
    let floors = eval::load_floors(&dir).unwrap_or_else(|e| fail(&e));
    let report = eval::evaluate(&mc, &suite).unwrap_or_else(|e| fail(&e));
    if json {
        println!("{}", serde_json::to_string_pretty(&eval::to_json(&report, &floors)).expect("JSON"));
    } else {
        print!("{}", eval::markdown(&report, &floors));
    }
    if !eval::failures(&report, &floors).is_empty() {
        std::process::exit(1);
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("relevance: {msg}");
    std::process::exit(2);
}
