//! Times the stages of a scrub (parse, read, edits) on a typical claim:
//! `cargo run --release --example scrub_stages -- [CLAIM.json]`.
use std::time::Instant;

const TYPICAL: &str = include_str!("../benches/typical_claim.json");

fn main() {
    let mc = medcode::MedCode::embedded().expect("sets");
    let claim = match std::env::args().nth(1) {
        Some(path) => std::fs::read_to_string(&path).expect("claim file"),
        None => TYPICAL.to_string(),
    };
    let claim = claim.as_str();
    let n = 50_000;
    let per = |t: Instant| t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(medcode::scrub::json::Doc::parse(claim).expect("json"));
    }
    println!("parse (Doc): {:.2} µs", per(t));
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(medcode::scrub::parse_json(claim).expect("json"));
    }
    println!("parse (serde_json::Value, for comparison): {:.2} µs", per(t));
    let doc = medcode::scrub::json::Doc::parse(claim).expect("json");
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(medcode::scrub::claim::read(&doc, None).expect("claim"));
    }
    println!("read: {:.2} µs", per(t));
    let opts = medcode::ScrubOptions { today: medcode::Date::parse("t", "2026-11-27").expect("date"), format: None };
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(mc.scrub_doc(&doc, &opts, "1").expect("claim"));
    }
    println!("read+edits+sort: {:.2} µs", per(t));
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(mc.scrub_str(claim, &opts, "1").expect("claim"));
    }
    println!("scrub_str (all): {:.2} µs", per(t));
}
