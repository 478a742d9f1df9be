//! Where the heap goes: live bytes after opening the embedded sets, after a
//! first word search and after `prepare()`, counted by a wrapping allocator.
//! `cargo run --release --example memory`
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mib(b: usize) -> String {
    format!("{:.2} MiB", b as f64 / 1048576.0)
}

fn main() {
    let mc = medcode::MedCode::embedded().expect("sets");
    println!("heap after open: {} (peak {})", mib(LIVE.load(Ordering::Relaxed)), mib(PEAK.load(Ordering::Relaxed)));
    let opts = medcode::SearchOptions::on(medcode::Date::parse("d", "2026-05-01").expect("date"));
    let _ = mc.search("E11.9", &opts);
    println!("heap after a code search: {}", mib(LIVE.load(Ordering::Relaxed)));
    let _ = mc.search("diab", &opts);
    println!(
        "heap after a word search: {} (peak {})",
        mib(LIVE.load(Ordering::Relaxed)),
        mib(PEAK.load(Ordering::Relaxed))
    );
    mc.prepare();
    println!(
        "heap after prepare(): {} (peak {})",
        mib(LIVE.load(Ordering::Relaxed)),
        mib(PEAK.load(Ordering::Relaxed))
    );
}
