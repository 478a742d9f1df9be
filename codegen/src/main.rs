//! `medcode-codegen`: the data pipeline's command line.
//!
//! ```text
//! medcode-codegen import [--out code-sets] [--work target/import]
//! medcode-codegen compile [--in code-sets] --out DIR
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("medcode-codegen: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let command = args.next().ok_or(USAGE)?;
    let mut input = PathBuf::from("code-sets");
    let mut out: Option<PathBuf> = None;
    let mut work = PathBuf::from("target/import");
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        match flag.as_str() {
            "--in" => input = PathBuf::from(value()?),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--work" => work = PathBuf::from(value()?),
            _ => return Err(format!("unknown argument {flag:?}\n{USAGE}").into()),
        }
    }
    match command.as_str() {
        "import" => medcode_codegen::import::run(&out.unwrap_or_else(|| PathBuf::from("code-sets")), &work),
        "compile" => {
            let out = out.ok_or("compile needs --out DIR")?;
            std::fs::create_dir_all(&out)?;
            for blob in medcode_codegen::compile::compile_all(&input)? {
                let path = out.join(blob.file_name);
                std::fs::write(&path, &blob.bytes)?;
                eprintln!("{}: {} bytes", path.display(), blob.bytes.len());
            }
            Ok(())
        }
        _ => Err(format!("unknown command {command:?}\n{USAGE}").into()),
    }
}

const USAGE: &str = "usage: medcode-codegen import [--out code-sets] [--work target/import]\n       medcode-codegen compile [--in code-sets] --out DIR";
