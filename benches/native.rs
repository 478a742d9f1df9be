//! Native benchmarks (plain harness): keystroke lookup latency and claim
//! scrub throughput. Run with `cargo bench --bench native`; CI compiles it
//! (`cargo test --benches` builds and runs it once in test mode).
//!
//! Timing is printed, never asserted.

use std::time::{Duration, Instant};

use medcode::scrub::ScrubOptions;
use medcode::{Date, MedCode, SearchOptions};

/// Realistic queries; every keystroke prefix of each is timed.
const QUERIES: &[&str] = &[
    "E11.9",
    "e1165",
    "S72.001A",
    "G0439",
    "I21.",
    "diab 2 kid",
    "fx femur",
    "hypertension",
    "copd exac",
    "chest pain",
    "low back pain",
    "type 2 diabetes with hyperglycemia",
    "pneumonia",
    "uti",
    "hbp",
    "wheelchair",
    "hosp bed",
    "o2 concentrator",
    "fracture of neck of right femur",
    "major depressive disorder",
    "atrial fibrillation",
    "hypertention",
    "abdominal pain",
    "covid",
    "j44.1",
];

/// A typical 4-line professional claim: 4 diagnoses, a modifier or two, 3
/// findings (`examples/scrub_loop.rs` measures the same one).
const CLAIM: &str = include_str!("typical_claim.json");

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let quick = std::env::args().any(|a| a == "--test" || a == "--quick");
    let t0 = Instant::now();
    let mc = MedCode::embedded().expect("embedded sets");
    let ready = t0.elapsed();
    let date = Date::parse("date", "2026-05-01").expect("date");
    let opts = SearchOptions { limit: 10, ..SearchOptions::on(date) };

    // Keystroke latency.
    let mut times = Vec::new();
    let mut slowest: Vec<(Duration, &str)> = Vec::new();
    let rounds = if quick { 1 } else { 5 };
    for round in 0..rounds {
        for q in QUERIES {
            for end in 1..=q.len() {
                let t = Instant::now();
                let r = mc.search(&q[..end], &opts);
                let took = t.elapsed();
                times.push(took);
                // The first round builds the structures made on first use.
                if round > 0 || quick {
                    slowest.push((took, &q[..end]));
                }
                std::hint::black_box(r);
            }
        }
    }
    times.sort();
    // Each prefix once, at its slowest.
    slowest.sort_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)));
    slowest.dedup_by(|a, b| a.1 == b.1);
    slowest.sort_by(|a, b| b.cmp(a));
    println!(
        "lookup: ready {:.1} ms; {} keystrokes; p50 {:?} p95 {:?} p99 {:?} max {:?}",
        ready.as_secs_f64() * 1e3,
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        percentile(&times, 0.99),
        times[times.len() - 1]
    );
    let worst: Vec<String> = slowest.iter().take(8).map(|(t, q)| format!("{q:?} {t:?}")).collect();
    println!("lookup: slowest keystrokes after the first round: {}", worst.join(", "));

    // Scrub throughput on one typical claim, parsed from text each time.
    let sopts = ScrubOptions { today: Date::parse("today", "2026-11-27").expect("date"), format: None };
    let n = if quick { 200 } else { 50_000 };
    let _ = mc.scrub_str(CLAIM, &sopts, "1").expect("claim");
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(mc.scrub_str(CLAIM, &sopts, "1").expect("claim"));
    }
    let secs = t.elapsed().as_secs_f64();
    println!("scrub: {n} claims in {:.3} s = {:.0} claims/s (4-line claim, native)", secs, n as f64 / secs);
}
