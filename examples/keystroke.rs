//! Times single queries: `cargo run --release --example keystroke -- d di dia E S7 "fx f"`.
//!
//! `SYSTEM=icd10cm` limits the search to one system, `BILLABLE=1` to billable
//! codes and `DATE=2026-11-28` sets the date of service: the benchmark's
//! options are `SYSTEM=icd10cm BILLABLE=1 DATE=2026-11-28`.
use std::time::Instant;
fn main() {
    let mc = medcode::MedCode::embedded().expect("sets");
    // Build the structures made on first use, so only the queries are timed.
    mc.prepare();
    let date = std::env::var("DATE").unwrap_or_else(|_| "2026-05-01".into());
    let date = medcode::Date::parse("DATE", &date).expect("date");
    let system = std::env::var("SYSTEM").ok().map(|s| medcode::System::parse(&s).expect("system"));
    let billable_only = std::env::var("BILLABLE").is_ok_and(|b| b == "1");
    let opts = medcode::SearchOptions { limit: 10, system, billable_only, ..medcode::SearchOptions::on(date) };
    for q in std::env::args().skip(1) {
        let _ = mc.search(&q, &opts);
        let t = Instant::now();
        let n = 20;
        for _ in 0..n {
            std::hint::black_box(mc.search(&q, &opts));
        }
        println!("{q:>12}: {:>8.1} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
}
