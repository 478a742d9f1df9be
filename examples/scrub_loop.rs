//! Scrubs the base fixture claim in a loop (for profiling): `cargo run --release --example scrub_loop -- N`.
fn main() {
    let mc = medcode::MedCode::embedded().expect("sets");
    let claim = include_str!("../tests/fixtures/claims/base.json");
    let opts = medcode::ScrubOptions { today: medcode::Date::parse("t", "2026-11-27").expect("date"), format: None };
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    for _ in 0..n {
        std::hint::black_box(mc.scrub_str(claim, &opts, "1").expect("claim"));
    }
}
