//! Compiles `code-sets/` into the blobs embedded by `src/embedded.rs`.
//! Offline and deterministic: the same TSV files give the same bytes.

use std::path::{Path, PathBuf};

fn main() {
    if let Err(e) = try_main() {
        // A build script's only channel is stderr; say what to do.
        eprintln!("error: medcode build.rs: {e}");
        std::process::exit(1);
    }
}

fn try_main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let sets = root.join("code-sets");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    for rel in medcode_codegen::compile::INPUT_FILES {
        println!("cargo:rerun-if-changed={}", sets.join(rel).display());
    }
    println!("cargo:rerun-if-changed=build.rs");
    for blob in medcode_codegen::compile::compile_all(&sets)? {
        write_if_changed(&out.join(blob.file_name), &blob.bytes)?;
    }
    Ok(())
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).map(|old| old == bytes).unwrap_or(false) {
        return Ok(());
    }
    std::fs::write(path, bytes)
}
