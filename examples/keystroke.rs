//! Times single queries: `cargo run --release --example keystroke -- d di dia E S7 "fx f"`.
use std::time::Instant;
fn main() {
    let mc = medcode::MedCode::embedded().expect("sets");
    // Build the structures made on first use, so only the queries are timed.
    mc.prepare();
    let date = medcode::Date::parse("d", "2026-05-01").expect("date");
    let system = std::env::var("SYSTEM").ok().map(|s| medcode::System::parse(&s).expect("system"));
    let opts = medcode::SearchOptions { limit: 10, system, ..medcode::SearchOptions::on(date) };
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
