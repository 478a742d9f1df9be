//! Times the stages of a scrub (parse, read, edits) on the base fixture.
use std::time::Instant;
fn main() {
    let mc = medcode::MedCode::embedded().expect("sets");
    let claim = include_str!("../tests/fixtures/claims/base.json");
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(medcode::scrub::parse_json(claim).expect("json"));
    }
    println!("parse: {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    let v = medcode::scrub::parse_json(claim).expect("json");
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(medcode::scrub::claim::read(&v, None).expect("claim"));
    }
    println!("read: {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    let opts = medcode::ScrubOptions { today: medcode::Date::parse("t", "2026-11-27").expect("date"), format: None };
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(mc.scrub_value(&v, &opts, "1").expect("claim"));
    }
    println!("read+edits: {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
