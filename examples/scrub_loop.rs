//! Scrub throughput, single thread, from JSON text as the CLI and the JS API
//! get it: `cargo run --release --example scrub_loop -- [N] [CLAIM.json]`.
//!
//! The default claim is `benches/typical_claim.json`: 4 lines, 4 diagnoses,
//! a modifier or two and 3 findings. Prints claims/s of 3 rounds of N
//! claims each and their median, by the wall clock and by the process's CPU
//! time (Linux; steadier when other work shares the cores). Also usable
//! under `perf record`.
use std::time::Instant;

const TYPICAL: &str = include_str!("../benches/typical_claim.json");

/// User + system CPU seconds of this process (Linux `/proc/self/stat`), if known.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn main() {
    let mc = medcode::MedCode::embedded().expect("sets");
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let text = match args.next() {
        Some(path) => std::fs::read_to_string(&path).expect("claim file"),
        None => TYPICAL.to_string(),
    };
    let opts = medcode::ScrubOptions { today: medcode::Date::parse("t", "2026-11-27").expect("date"), format: None };
    let findings = mc.scrub_str(&text, &opts, "1").expect("claim").findings.len();
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for round in 1..=3 {
        let (t, c) = (Instant::now(), cpu_seconds());
        for _ in 0..n {
            std::hint::black_box(mc.scrub_str(std::hint::black_box(&text), &opts, "1").expect("claim"));
        }
        let w = n as f64 / t.elapsed().as_secs_f64();
        let c = match (c, cpu_seconds()) {
            (Some(a), Some(b)) if b > a => n as f64 / (b - a),
            _ => f64::NAN,
        };
        println!("round {round}: {w:.0} claims/s wall, {c:.0} claims/s CPU");
        wall.push(w);
        cpu.push(c);
    }
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "median: {:.0} claims/s wall, {:.0} claims/s CPU ({} bytes, {findings} findings per claim)",
        wall[1],
        cpu[1],
        text.len()
    );
}
