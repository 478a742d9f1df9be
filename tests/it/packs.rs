//! Packs (issue 7): built from fixture files in the publishers' layouts,
//! loaded with `--pack` and `MedCode::load_pack`, searched and scrubbed;
//! NCCI PTP and MUE edits from packs; bad packs refused with stable codes.
//!
//! Licensing: the fixtures under `tests/fixtures/packs/` hold no real CPT
//! code or descriptor. Their CPT-format codes are made up — 00000–00099
//! (below the first real CPT code), 0000F and 0000T (below the first
//! Category II and III codes) — and their descriptors say "Made-up". The
//! test at the end keeps it that way (this file included). NCCI-MUE has no golden claim fixture
//! in `tests/fixtures/claims/` because that harness scrubs without packs;
//! its tests are here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use medcode::format::Bytes;
use medcode::pack::build::{build, Options, Source};
use medcode::pack::PackData;
use medcode::scrub::ScrubOptions;
use medcode::{Error, Finding, MedCode, PackKind, ScrubResult, SearchOptions, Severity, System};
use serde_json::{json, Value};

use crate::date;

const TODAY: &str = "2026-11-27";
const DOS: &str = "2026-05-01";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/packs")
}

/// The fixture files of each kind, in the order they are given to the builder.
fn inputs(kind: PackKind) -> Vec<PathBuf> {
    let dir = fixtures();
    let names: &[&str] = match kind {
        PackKind::Cpt => &["cpt/cpt-long.txt", "cpt/cpt-clinician.txt", "cpt/cpt-dates.csv"],
        PackKind::NcciPtp => &["ncci-ptp/ccipra-v000r0-f1.txt", "ncci-ptp/ccipra-v000r0-f2.txt"],
        PackKind::Mue => &["mue/MCR_MUE_PractitionerServices_made-up.csv", "mue/mue-dated-made-up.txt"],
    };
    names.iter().map(|n| dir.join(n)).collect()
}

fn sources(kind: PackKind) -> Vec<Source> {
    inputs(kind)
        .iter()
        .map(|p| Source {
            name: p.file_name().unwrap().to_string_lossy().into_owned(),
            bytes: std::fs::read(p).unwrap(),
        })
        .collect()
}

/// The pack of each kind, built once with the library.
fn pack(kind: PackKind) -> &'static [u8] {
    static PACKS: OnceLock<Vec<(PackKind, Vec<u8>)>> = OnceLock::new();
    let all = PACKS.get_or_init(|| {
        PackKind::ALL
            .iter()
            .map(|&k| (k, build(k, &sources(k), &Options::default(), &mut |_| {}).expect("fixture pack builds").0))
            .collect()
    });
    &all.iter().find(|(k, _)| *k == kind).unwrap().1
}

/// The embedded sets with all three fixture packs loaded.
fn loaded() -> &'static MedCode {
    static MC: OnceLock<MedCode> = OnceLock::new();
    MC.get_or_init(|| {
        let mut mc = MedCode::embedded().unwrap();
        for k in PackKind::ALL {
            mc.load_pack_as(pack(k).to_vec(), &format!("{k}.mcpack")).unwrap();
        }
        mc
    })
}

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packs").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn medcode(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_medcode"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run medcode");
    // A command that fails before reading its input may have exited (and
    // closed the pipe) by now: what it said is checked below.
    let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Builds each kind's pack with the CLI into `dir`, returning the paths.
fn cli_packs(dir: &Path) -> Vec<String> {
    PackKind::ALL
        .iter()
        .map(|k| {
            let out = dir.join(format!("{k}.mcpack")).to_string_lossy().into_owned();
            let mut args = vec!["pack".to_string(), "build".into(), "--kind".into(), k.name().into()];
            args.extend(inputs(*k).iter().map(|p| p.to_string_lossy().into_owned()));
            args.extend(["-o".into(), out.clone()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, _, err) = medcode(&args, "");
            assert_eq!(code, 0, "{err}");
            out
        })
        .collect()
}

fn pack_args(paths: &[String]) -> Vec<&str> {
    paths.iter().flat_map(|p| ["--pack", p.as_str()]).collect()
}

/// A claim of the base fixture's patient with these lines: (code, modifiers, units, date).
fn claim(lines: &[(&str, &[&str], f64, &str)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(code, mods, units, dos)| {
            json!({"code": code, "modifiers": mods, "units": units, "charge": 10.0, "serviceDate": dos, "diagnosisPointers": [1, 2, 3, 4]})
        })
        .collect();
    json!({
        "id": "pack-test",
        "patient": {"birthDate": "1950-03-02", "sex": "F"},
        "billingProvider": {"npi": "1234567893"},
        "placeOfService": "11",
        "diagnoses": ["E11.9", "E78.5", "Z79.84", "E53.8"],
        "lines": lines,
    })
}

fn scrub_with(mc: &MedCode, doc: &Value) -> ScrubResult {
    mc.scrub_value(doc, &ScrubOptions { today: date(TODAY), format: None }, "1").expect("a readable claim")
}

fn scrub(lines: &[(&str, &[&str], f64, &str)]) -> ScrubResult {
    scrub_with(loaded(), &claim(lines))
}

fn of<'r>(res: &'r ScrubResult, edit: &str) -> Vec<&'r Finding> {
    res.findings.iter().filter(|f| f.edit == edit).collect()
}

// ---- building ----

#[test]
fn cli_builds_each_kind_and_summarises_what_it_read() {
    let dir = scratch("build");
    /// Kind, rows read, rows used, entries, skip reasons, valid from, valid to.
    type Expect<'a> = (PackKind, usize, usize, usize, &'a [&'a str], &'a str, &'a str);
    let expect: &[Expect] = &[
        (PackKind::Cpt, 17, 17, 14, &[], "1970-01-01", "9999-12-31"),
        (
            PackKind::NcciPtp,
            8,
            5,
            5,
            &[
                "replaced by a later row for the same pair and effective date",
                "modifier indicator 9 (the edit does not apply)",
                "deleted on or before its effective date (never in effect)",
            ],
            "1996-01-01",
            "9999-12-31",
        ),
        (PackKind::Mue, 6, 6, 6, &[], "1970-01-01", "9999-12-31"),
    ];
    for &(kind, read, used, entries, reasons, from, to) in expect {
        let out = dir.join(format!("{kind}.mcpack"));
        let mut args: Vec<String> = vec!["pack".into(), "build".into(), "--kind".into(), kind.name().into()];
        args.extend(inputs(kind).iter().map(|p| p.to_string_lossy().into_owned()));
        args.extend(["-o".into(), out.to_string_lossy().into_owned(), "--json".into()]);
        let (code, stdout, err) = medcode(&args.iter().map(String::as_str).collect::<Vec<_>>(), "");
        assert_eq!(code, 0, "{kind}: {err}");
        let s: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(s["kind"], kind.name());
        assert_eq!(
            (s["rowsRead"].as_u64(), s["rowsUsed"].as_u64()),
            (Some(read as u64), Some(used as u64)),
            "{kind}: {s}"
        );
        assert_eq!(s["entries"], entries, "{kind}");
        assert_eq!((s["validFrom"].as_str(), s["validTo"].as_str()), (Some(from), Some(to)), "{kind}");
        let got: Vec<&str> = s["skipped"].as_array().unwrap().iter().map(|x| x["reason"].as_str().unwrap()).collect();
        assert_eq!(got, reasons, "{kind}");
        for x in s["skipped"].as_array().unwrap() {
            assert!(x["first"].as_str().unwrap().contains(".txt:"), "{kind}: a skip names file:line: {x}");
        }
        assert_eq!(s["files"].as_array().unwrap().len(), inputs(kind).len());
        // The CLI and the library build the same bytes (the build is deterministic).
        assert_eq!(std::fs::read(&out).unwrap(), pack(kind), "{kind}");
    }
    // The human summary says the same in words.
    let out = dir.join("ptp-human.mcpack").to_string_lossy().into_owned();
    let mut args = vec!["pack", "build", "--kind", "ncci-ptp"];
    let files: Vec<String> = inputs(PackKind::NcciPtp).iter().map(|p| p.to_string_lossy().into_owned()).collect();
    args.extend(files.iter().map(String::as_str));
    args.extend(["-o", &out, "--progress"]);
    let (code, stdout, err) = medcode(&args, "");
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("rows: 8 read, 5 used, 3 skipped"), "{stdout}");
    assert!(
        stdout.contains("1 skipped: modifier indicator 9 (the edit does not apply) (first at ccipra-v000r0-f1.txt:6)"),
        "{stdout}"
    );
    assert!(stdout.contains("dates: 1996-01-01..9999-12-31"), "{stdout}");
    assert!(err.contains("medcode: reading ccipra-v000r0-f2.txt (file 2 of 2): 100%"), "progress: {err}");
}

#[test]
fn build_errors_name_the_file_and_line() {
    let dir = scratch("build-errors");
    let header = "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\tModifier\tPTP Edit Rationale\n";
    let cases: &[(&str, &str, String, &str)] = &[
        ("ncci-ptp", "bad-date.txt", format!("{header}00001\t00002\t\t20201301\t*\t0\tx\n"), "bad-date.txt:2: effective date"),
        ("ncci-ptp", "bad-ind.txt", format!("{header}\n00001\t00002\t\t20200101\t*\t1\tx\n00001\t00003\t\t20200101\t*\t2\tx\n"), "bad-ind.txt:4: modifier indicator \"2\""),
        ("ncci-ptp", "short.txt", format!("{header}00001\t00002\t\t20200101\n"), "short.txt:2: a PTP row has 4 columns"),
        ("mue", "bad-mai.csv", "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n00001,1,4 Something,x\n".into(), "bad-mai.csv:2: MUE adjudication indicator"),
        ("mue", "bad-value.csv", "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n00001,one,1 Line Edit,x\n".into(), "bad-value.csv:2: MUE value \"one\""),
        ("mue", "open-quote.csv", "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n00001,1,1 Line Edit,\"x\n".into(), "open-quote.csv:2: a quoted field is not closed"),
        ("cpt", "ends-early.csv", "Code,Descriptor,Effective Date,End Date\n00001,Made-up one,2026-01-01,2025-01-01\n".into(), "ends-early.csv:2: 00001 ends"),
        ("cpt", "no-codes.txt", "Made-up notice line\nanother line\n".into(), "no-codes.txt: no CPT rows found"),
    ];
    for (kind, name, text, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = dir.join("out.mcpack").to_string_lossy().into_owned();
        let (code, stdout, err) = medcode(&["pack", "build", "--kind", kind, &path.to_string_lossy(), "-o", &out], "");
        assert_eq!(code, 2, "{name}: {stdout}");
        assert!(err.contains(want) && err.contains("[PACK-INPUT]"), "{name}: {err}");
        assert!(!Path::new(&out).exists(), "{name}: no pack is written on an error");
    }
    // A file of another kind is not taken for this one.
    let mue = inputs(PackKind::Mue)[0].to_string_lossy().into_owned();
    let (code, _, err) = medcode(&["pack", "build", "--kind", "ncci-ptp", &mue, "-o", "/dev/null"], "");
    assert_eq!(code, 2);
    assert!(err.contains("no PTP rows found"), "{err}");
    // Usage errors.
    for (args, want) in [
        (&["pack", "build", "x.txt", "-o", "y"][..], "--kind"),
        (&["pack", "build", "--kind", "cpt", "x.txt"], "-o"),
        (&["pack", "build", "--kind", "cpt", "-o", "y"], "input FILE"),
        (&["pack", "build", "--kind", "hcpcs", "x", "-o", "y"], "not cpt, ncci-ptp or mue"),
        (&["pack", "frobnicate"], "unknown pack command"),
    ] {
        let (code, _, err) = medcode(args, "");
        assert_eq!(code, 2, "{args:?}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn pack_info_describes_the_source() {
    let mc = loaded();
    let packs = mc.packs();
    assert_eq!(packs.iter().map(|p| p.kind).collect::<Vec<_>>(), PackKind::ALL);
    let ptp = &packs[1];
    assert_eq!(ptp.name, "ncci-ptp.mcpack");
    assert_eq!(ptp.setting.as_deref(), Some("practitioner"));
    assert_eq!(
        ptp.sources.iter().map(|s| (s.file.as_str(), s.rows)).collect::<Vec<_>>(),
        [("ccipra-v000r0-f1.txt", 4), ("ccipra-v000r0-f2.txt", 1)]
    );
    assert_eq!((ptp.entries, ptp.codes), (5, 9));
    assert!(ptp.edition.contains("ccipra-v000r0-f1.txt"), "{}", ptp.edition);
    assert_eq!(ptp.checksum.len(), 16);
    assert!(ptp.built.starts_with("medcode "), "{}", ptp.built);
    let mue = &packs[2];
    assert_eq!((mue.entries, mue.codes), (6, 5));
    // info() lists the packs: CPT as the cpt set, NCCI and MUE as their own entries.
    let info = mc.info(date(DOS));
    let cpt = info.iter().find(|s| s.system == "cpt").expect("the cpt set");
    assert_eq!((cpt.entries, cpt.billable), (14, 12)); // 00009 retired, 00010 not yet in effect
    assert_eq!(cpt.pack.as_ref().map(|p| p.kind), Some(PackKind::Cpt));
    let n = info.iter().find(|s| s.system == "ncci-ptp").expect("the ncci-ptp pack");
    assert_eq!((n.entries, n.billable), (5, 4)); // one pair deleted on 2026-01-01
    let m = info.iter().find(|s| s.system == "mue").expect("the mue pack");
    assert_eq!((m.entries, m.billable), (6, 5)); // 00004's first value ended 2025-12-31
}

/// `tests/fixtures/packs/built/*.mcpack`: the fixture packs as built by this
/// medcode, for the wasm tests (`tests/wasm.rs`), which cannot run the builder.
#[test]
fn the_built_fixture_packs_are_up_to_date() {
    let dir = fixtures().join("built");
    let bless = std::env::var("MEDCODE_BLESS").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut stale = Vec::new();
    for kind in PackKind::ALL {
        let path = dir.join(format!("{kind}.mcpack"));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, pack(kind)).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(pack(kind)) {
            stale.push(path.display().to_string());
        }
    }
    assert!(stale.is_empty(), "out of date (rerun with MEDCODE_BLESS=1 to rewrite): {stale:?}");
}

// ---- loading: the CLI ----

#[test]
fn cli_search_get_and_info_with_a_cpt_pack() {
    let dir = scratch("cli-search");
    let packs = cli_packs(&dir);
    let p = pack_args(&packs[..1]);
    let json = |args: &[&str]| -> Value {
        let mut a = args.to_vec();
        a.extend(&p);
        a.push("--json");
        let (code, out, err) = medcode(&a, "");
        assert_eq!(code, 0, "{args:?}: {err}");
        serde_json::from_str(&out).unwrap()
    };
    // system: cpt searches the pack alone.
    let v = json(&["search", "quuxplasty", "--system", "cpt", "--date", DOS]);
    let mut codes: Vec<&str> = v["results"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    codes.sort();
    assert_eq!(codes, ["00001", "00002"]);
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["system"] == "cpt"));
    // An all-system search mixes CPT in; a typed code comes first.
    let v = json(&["search", "widget", "--limit", "50", "--date", DOS]);
    let systems: Vec<&str> = v["results"].as_array().unwrap().iter().map(|r| r["system"].as_str().unwrap()).collect();
    assert!(systems.contains(&"cpt"), "{systems:?}");
    let v = json(&["search", "0000T", "--date", DOS]);
    assert_eq!((v["results"][0]["code"].as_str(), v["results"][0]["system"].as_str()), (Some("0000T"), Some("cpt")));
    // get: the record, with the other files' descriptors.
    let v = json(&["get", "00001", "--date", DOS]);
    assert_eq!(v["system"], "cpt");
    assert_eq!(v["display"], "Made-up quuxplasty of the left widget, first part");
    assert_eq!(v["billable"], true);
    assert_eq!(v["descriptors"].as_array().unwrap().len(), 2);
    let v = json(&["get", "00009", "--date", DOS]);
    assert_eq!((v["billable"].as_bool(), v["billableRanges"][0]["to"].as_str()), (Some(false), Some("2025-12-31")));
    // info lists every pack.
    let mut a = vec!["info", "--json", "--date", DOS];
    a.extend(pack_args(&packs));
    let (code, out, err) = medcode(&a, "");
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    for kind in ["cpt", "ncci-ptp", "mue"] {
        let s = v.as_array().unwrap().iter().find(|s| s["system"] == kind).unwrap_or_else(|| panic!("{kind} in {v}"));
        assert_eq!(s["pack"]["kind"], kind);
        assert!(s["pack"]["sources"].as_array().is_some_and(|a| !a.is_empty()), "{s}");
    }
    // Without the pack, no CPT.
    let (code, out, _) = medcode(&["search", "quuxplasty", "--json"], "");
    assert_eq!(code, 0);
    assert!(!out.contains("\"cpt\""), "{out}");
}

#[test]
fn cli_scrub_with_packs() {
    let dir = scratch("cli-scrub");
    let packs = cli_packs(&dir);
    let claims = [
        claim(&[("00001", &[], 1.0, DOS), ("00002", &[], 1.0, DOS)]),
        claim(&[("00001", &[], 2.0, DOS)]),
        claim(&[("00099", &[], 1.0, DOS)]),
    ];
    let input: String = claims.iter().map(|c| c.to_string() + "\n").collect();
    let mut args = vec!["scrub", "-", "--today", TODAY];
    args.extend(pack_args(&packs));
    let (code, out, err) = medcode(&args, &input);
    assert_eq!(code, 1, "{err}");
    let res: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let edits = |v: &Value| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["edit"].as_str().unwrap(), f["path"].as_str().unwrap()))
            .collect()
    };
    assert!(edits(&res[0]).contains(&"NCCI-PTP /lines/1/code".to_string()), "{:?}", edits(&res[0]));
    assert!(edits(&res[1]).contains(&"NCCI-MUE /lines/0/units".to_string()), "{:?}", edits(&res[1]));
    assert!(edits(&res[2]).contains(&"PX-INVALID /lines/0/code".to_string()), "{:?}", edits(&res[2]));
    assert!(!out.contains("PX-CPT-UNCHECKED"), "{out}");
    // The same claims without packs: CPT unchecked, no pack edits.
    let (_, out, _) = medcode(&["scrub", "-", "--today", TODAY], &input);
    assert!(out.contains("PX-CPT-UNCHECKED") && !out.contains("NCCI-PTP") && !out.contains("NCCI-MUE"), "{out}");
}

#[test]
fn cli_refuses_bad_packs_with_their_codes() {
    let dir = scratch("cli-bad");
    let good = dir.join("cpt.mcpack");
    std::fs::write(&good, pack(PackKind::Cpt)).unwrap();
    let mut flipped = pack(PackKind::Cpt).to_vec();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let mut old = pack(PackKind::Mue).to_vec();
    old[8] = 9;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("flipped.mcpack", flipped, "[PACK-CORRUPT]"),
        ("cut.mcpack", pack(PackKind::Cpt)[..100].to_vec(), "[PACK-CORRUPT]"),
        ("image.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec(), "PNG image"),
        (
            "claim.json",
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claims/base.json")).unwrap(),
            "JSON text",
        ),
        ("old.mcpack", old, "[PACK-VERSION]"),
    ];
    for (name, bytes, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        for cmd in [&["search", "widget"][..], &["get", "00001"], &["info"], &["scrub", "-"]] {
            let mut args = cmd.to_vec();
            let p = path.to_string_lossy().into_owned();
            args.extend(["--pack", good.to_str().unwrap(), "--pack", &p]);
            let (code, out, err) = medcode(&args, "{}");
            assert_eq!(code, 2, "{name} {cmd:?}: {out}");
            assert!(err.contains(want) && err.contains(&p), "{name} {cmd:?}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    let (code, _, err) = medcode(&["info", "--pack", "/no/such/file.mcpack"], "");
    assert_eq!(code, 2);
    assert!(err.contains("cannot read pack /no/such/file.mcpack"), "{err}");
}

// ---- loading: the library ----

#[test]
fn load_pack_makes_cpt_searchable_and_checked() {
    let mut mc = MedCode::embedded().unwrap();
    let before = scrub_with(&mc, &claim(&[("00001", &[], 1.0, DOS)]));
    assert_eq!(of(&before, "PX-CPT-UNCHECKED").len(), 1);
    let opts = |system| SearchOptions { system, limit: 20, date: date(DOS), billable_only: false, within: None };
    assert!(mc.search("quuxplasty", &opts(Some(System::Cpt))).results.is_empty());

    let info = mc.load_pack(pack(PackKind::Cpt).to_vec()).unwrap();
    assert_eq!((info.kind, info.entries, info.name.as_str()), (PackKind::Cpt, 14, "(bytes)"));
    assert_eq!(info.sources.len(), 3);
    let hits = mc.search("quuxplasty", &opts(None)).results;
    let mut got: Vec<(&str, &str)> = hits.iter().map(|r| (r.system, r.code.as_str())).collect();
    got.sort();
    assert_eq!(got, [("cpt", "00001"), ("cpt", "00002")]);
    // Other wordings are searchable as synonyms.
    assert_eq!(mc.search("frobnication simple", &opts(Some(System::Cpt))).results[0].code, "00003");
    let rec = mc.get("0000f", &medcode::GetOptions { system: None, date: date(DOS) }).expect("0000F");
    assert_eq!((rec.system, rec.code.as_str()), ("cpt", "0000F"));

    let res = scrub_with(
        &mc,
        &claim(&[
            ("00001", &[], 1.0, DOS),
            ("00099", &[], 1.0, DOS),
            ("00009", &[], 1.0, DOS),
            ("00010", &[], 1.0, DOS),
        ]),
    );
    assert!(of(&res, "PX-CPT-UNCHECKED").is_empty(), "{:#?}", res.findings);
    let at = |edit: &str| -> Vec<(String, Vec<String>)> {
        of(&res, edit).iter().map(|f| (f.path.clone(), f.codes.clone())).collect()
    };
    assert_eq!(at("PX-INVALID"), [("/lines/1/code".to_string(), vec!["00099".to_string()])]);
    assert_eq!(
        at("PX-NOT-VALID-ON-DOS"),
        [
            ("/lines/2/code".to_string(), vec!["00009".to_string()]),
            ("/lines/3/code".to_string(), vec!["00010".to_string()])
        ]
    );
    // 00009 was valid before its end date.
    let res = scrub_with(&mc, &claim(&[("00009", &[], 1.0, "2025-06-01")]));
    assert!(of(&res, "PX-NOT-VALID-ON-DOS").is_empty(), "{:#?}", res.findings);
}

#[test]
fn loading_the_same_pack_twice_changes_nothing_and_a_new_cpt_pack_replaces_the_old() {
    let mut mc = MedCode::embedded().unwrap();
    let a = mc.load_pack_as(pack(PackKind::Mue).to_vec(), "a").unwrap();
    let b = mc.load_pack_as(pack(PackKind::Mue).to_vec(), "b").unwrap();
    assert_eq!(a, b);
    assert_eq!(mc.packs().len(), 1);
    mc.load_pack(pack(PackKind::Cpt).to_vec()).unwrap();
    let only_long = build(PackKind::Cpt, &sources(PackKind::Cpt)[..1], &Options::default(), &mut |_| {}).unwrap().0;
    let info = mc.load_pack(only_long).unwrap();
    assert_eq!(info.entries, 12);
    assert_eq!(mc.sets().iter().filter(|s| s.system == System::Cpt).count(), 1);
    assert_eq!(
        mc.packs().iter().map(|p| (p.kind, p.entries)).collect::<Vec<_>>(),
        [(PackKind::Mue, 6), (PackKind::Cpt, 12)]
    );
    assert!(mc.get("00009", &medcode::GetOptions { system: None, date: date(DOS) }).is_none());
}

#[test]
fn packs_loaded_after_the_first_scrub_take_effect() {
    // tables() is built on first use; a later pack extends it.
    let mut mc = MedCode::embedded().unwrap();
    let c = claim(&[("00001", &[], 1.0, DOS), ("00002", &[], 2.0, DOS)]);
    let res = scrub_with(&mc, &c);
    assert!(of(&res, "NCCI-PTP").is_empty() && of(&res, "NCCI-MUE").is_empty());
    mc.load_pack(pack(PackKind::NcciPtp).to_vec()).unwrap();
    mc.load_pack(pack(PackKind::Mue).to_vec()).unwrap();
    let res = scrub_with(&mc, &c);
    assert_eq!(of(&res, "NCCI-PTP").len(), 1, "{:#?}", res.findings);
    // 00002: 2 units, MUE 2 (MAI 3): not above it.
    assert!(of(&res, "NCCI-MUE").is_empty(), "{:#?}", res.findings);
}

// ---- NCCI PTP from a pack ----

#[test]
fn ncci_indicator_0_fires_whatever_the_modifiers() {
    for mods in [&[][..], &["59"], &["XU"], &["25", "LT"]] {
        let res = scrub(&[("00001", &[], 1.0, DOS), ("00002", mods, 1.0, DOS)]);
        let f = of(&res, "NCCI-PTP");
        assert_eq!(f.len(), 1, "{mods:?}: {:#?}", res.findings);
        assert_eq!((f[0].severity, f[0].path.as_str()), (Severity::Error, "/lines/1/code"));
        assert_eq!(f[0].codes, ["00001", "00002"]);
        assert!(
            f[0].message.contains("modifier indicator 0") && f[0].message.contains("Mutually exclusive procedures"),
            "{}",
            f[0].message
        );
    }
    // The finding is on the column-2 line whatever the line order.
    let res = scrub(&[("00002", &[], 1.0, DOS), ("00001", &[], 1.0, DOS)]);
    assert_eq!(of(&res, "NCCI-PTP")[0].path, "/lines/0/code");
    // Different dates of service: no edit.
    let res = scrub(&[("00001", &[], 1.0, DOS), ("00002", &[], 1.0, "2026-05-02")]);
    assert!(of(&res, "NCCI-PTP").is_empty());
    // A prior-1996 pair and a pair with a Level II code (its later row, indicator 1, replaced the first).
    let res = scrub(&[("00011", &[], 1.0, DOS), ("00012", &[], 1.0, DOS), ("J3420", &[], 1.0, DOS)]);
    let f = of(&res, "NCCI-PTP");
    assert_eq!(
        f.iter().map(|f| (f.codes.join("/"), f.severity)).collect::<Vec<_>>(),
        [("00011/00012".to_string(), Severity::Error), ("00011/J3420".to_string(), Severity::Warning)]
    );
}

#[test]
fn ncci_indicator_1_fires_without_a_modifier_and_not_with_59_or_xu() {
    let res = scrub(&[("00003", &[], 1.0, DOS), ("00004", &[], 1.0, DOS)]);
    let f = of(&res, "NCCI-PTP");
    assert_eq!(f.len(), 1, "{:#?}", res.findings);
    assert_eq!((f[0].severity, f[0].path.as_str()), (Severity::Warning, "/lines/1/code"));
    assert!(f[0].message.contains("NCCI-associated modifier"), "{}", f[0].message);
    for (m1, m2) in [(&[][..], &["59"][..]), (&[], &["XU"]), (&["59"], &[]), (&["XU"], &[])] {
        let res = scrub(&[("00003", m1, 1.0, DOS), ("00004", m2, 1.0, DOS)]);
        assert!(of(&res, "NCCI-PTP").is_empty(), "{m1:?} {m2:?}: {:#?}", res.findings);
        assert!(!res.has_errors(), "{m1:?} {m2:?}: {:#?}", res.findings);
    }
    // A modifier that is not NCCI-associated does not bypass it.
    let res = scrub(&[("00003", &[], 1.0, DOS), ("00004", &["76"], 1.0, DOS)]);
    assert_eq!(of(&res, "NCCI-PTP").len(), 1);
}

#[test]
fn a_deleted_pair_does_not_fire_after_its_deletion_date() {
    // 00005/00006: effective 2020-01-01, deleted 2026-01-01 (last day in effect 2025-12-31).
    for (dos, fires) in
        [("2019-12-31", false), ("2020-01-01", true), ("2025-12-31", true), ("2026-01-01", false), (DOS, false)]
    {
        let res = scrub(&[("00005", &[], 1.0, dos), ("00006", &[], 1.0, dos)]);
        assert_eq!(!of(&res, "NCCI-PTP").is_empty(), fires, "{dos}: {:#?}", res.findings);
    }
}

#[test]
fn indicator_9_rows_and_pairs_deleted_on_their_effective_date_never_fire() {
    let res = scrub(&[("00007", &[], 1.0, DOS), ("00008", &[], 1.0, DOS)]);
    assert!(of(&res, "NCCI-PTP").is_empty());
    let res = scrub(&[("0000F", &[], 1.0, "2023-01-01"), ("0000T", &[], 1.0, "2023-01-01")]);
    assert!(of(&res, "NCCI-PTP").is_empty());
}

// ---- NCCI MUE ----

#[test]
fn mue_mai_1_counts_each_line_on_its_own() {
    // 00001: MUE 1, MAI 1.
    let res = scrub(&[("00001", &[], 2.0, DOS)]);
    let f = of(&res, "NCCI-MUE");
    assert_eq!(f.len(), 1, "{:#?}", res.findings);
    assert_eq!(
        (f[0].severity, f[0].path.as_str(), f[0].codes.as_slice()),
        (Severity::Error, "/lines/0/units", &["00001".to_string()][..])
    );
    for part in ["00001", "2 units", "allows 1", "MAI 1", "line edit"] {
        assert!(f[0].message.contains(part), "{part}: {}", f[0].message);
    }
    // Two lines of 1 unit each: each line is within the MUE.
    let res = scrub(&[("00001", &[], 1.0, DOS), ("00001", &["76"], 1.0, DOS)]);
    assert!(of(&res, "NCCI-MUE").is_empty(), "{:#?}", res.findings);
    // Each offending line is flagged.
    let res = scrub(&[("00001", &[], 3.0, DOS), ("00001", &["76"], 2.0, DOS)]);
    let paths: Vec<&str> = of(&res, "NCCI-MUE").iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["/lines/0/units", "/lines/1/units"]);
}

#[test]
fn mue_mai_3_adds_up_the_units_of_a_code_on_one_date_of_service() {
    // 00002: MUE 2, MAI 3.
    let res = scrub(&[("00002", &[], 1.0, DOS), ("00002", &["76"], 1.0, DOS)]);
    assert!(of(&res, "NCCI-MUE").is_empty(), "2 units: {:#?}", res.findings);
    let res = scrub(&[("00002", &[], 1.0, DOS), ("00001", &[], 1.0, DOS), ("00002", &["76"], 2.0, DOS)]);
    let f = of(&res, "NCCI-MUE");
    assert_eq!(f.len(), 1, "{:#?}", res.findings);
    assert_eq!((f[0].path.as_str(), f[0].codes.as_slice()), ("/lines/2/units", &["00002".to_string()][..]));
    for part in ["3 units", "across 2 lines", "allows 2", "MAI 3", "clinical", "Clinical: Data"] {
        assert!(f[0].message.contains(part), "{part}: {}", f[0].message);
    }
    // One line above the MUE on its own.
    let res = scrub(&[("00002", &[], 3.0, DOS)]);
    assert_eq!(of(&res, "NCCI-MUE")[0].path, "/lines/0/units");
    // Different dates of service are counted apart.
    let res = scrub(&[("00002", &[], 2.0, DOS), ("00002", &[], 2.0, "2026-05-02")]);
    assert!(of(&res, "NCCI-MUE").is_empty(), "{:#?}", res.findings);
    // MAI 2 adds up the same way (00003: MUE 4).
    let res = scrub(&[("00003", &[], 2.0, DOS), ("00003", &["76"], 3.0, DOS)]);
    let f = of(&res, "NCCI-MUE");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("MAI 2, date of service edit: policy"), "{}", f[0].message);
}

#[test]
fn the_mue_example_in_docs_edits_md_is_what_the_edit_yields() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/edits.md")).unwrap();
    let section = text.split("\n## NCCI-MUE\n").nth(1).expect("a NCCI-MUE section");
    let block = section.split("```json\n").nth(1).and_then(|b| b.split("\n```").next()).expect("a json block");
    let shown: Value = serde_json::from_str(block).unwrap();
    let res = scrub(&[("00001", &[], 2.0, DOS)]);
    assert_eq!(serde_json::to_value(of(&res, "NCCI-MUE")[0]).unwrap(), shown);
}

#[test]
fn mue_values_follow_their_effective_dates() {
    // 00004: MUE 2 until 2025-12-31, 5 from 2026-01-01 (MAI 3).
    let res = scrub(&[("00004", &[], 3.0, "2025-12-31")]);
    assert_eq!(of(&res, "NCCI-MUE").len(), 1);
    let res = scrub(&[("00004", &[], 3.0, "2026-01-01")]);
    assert!(of(&res, "NCCI-MUE").is_empty());
    // Codes without an MUE and lines with invalid units are left to other edits.
    let res = scrub(&[("00006", &[], 99.0, DOS), ("00001", &[], 0.0, DOS)]);
    assert!(of(&res, "NCCI-MUE").is_empty());
    assert_eq!(of(&res, "UNITS-INVALID").len(), 1);
}

// ---- bad packs ----

/// The error of opening bad pack bytes (what `load_pack` returns for them).
fn load_err(bytes: Vec<u8>) -> Error {
    match medcode::pack::open(Bytes::from_vec(bytes), "test.mcpack") {
        Ok(p) => panic!("opened a bad pack: {:?}", p.info),
        Err(e) => e,
    }
}

/// Recomputes the header checksum after an edit (a forged pack).
fn reseal(b: &mut [u8]) {
    let sum = medcode::format::checksum(&b[20..]);
    b[12..20].copy_from_slice(&sum.to_le_bytes());
}

#[test]
fn corrupt_truncated_foreign_and_wrong_kind_packs_are_refused_with_their_codes() {
    for kind in PackKind::ALL {
        let good = pack(kind);
        // A flipped byte in the body, the checksum, the section table.
        for at in [good.len() - 1, good.len() / 2, 13, 30] {
            let mut b = good.to_vec();
            b[at] ^= 0x01;
            let e = load_err(b);
            assert_eq!(e.code(), "PACK-CORRUPT", "{kind} flip at {at}: {e}");
        }
        // Cut short anywhere.
        for len in [0, 1, 7, 8, 23, 24, 60, good.len() / 2, good.len() - 1] {
            let e = load_err(good[..len].to_vec());
            assert_eq!(e.code(), "PACK-CORRUPT", "{kind} cut to {len}: {e}");
            assert!(e.to_string().contains("test.mcpack"), "{e}");
        }
        // Two swapped halves of the body.
        let mut b = good.to_vec();
        let body = &mut b[24..];
        let half = body.len() / 2;
        body.rotate_left(half);
        assert_eq!(load_err(b).code(), "PACK-CORRUPT");
        // Another format version.
        let mut b = good.to_vec();
        b[8..10].copy_from_slice(&2u16.to_le_bytes());
        let e = load_err(b);
        assert_eq!(e.code(), "PACK-VERSION", "{e}");
        assert!(e.to_string().contains("version 2") && e.to_string().contains("medcode pack build"), "{e}");
        // Not a pack kind: an embedded code set's kind, an unknown kind.
        for (k, want) in [(1u16, "icd10cm code set"), (5, "synonym list"), (99, "kind 99")] {
            let mut b = good.to_vec();
            b[10..12].copy_from_slice(&k.to_le_bytes());
            let e = load_err(b);
            assert_eq!(e.code(), "PACK-KIND", "{kind} as {k}: {e}");
            assert!(e.to_string().contains(want), "{e}");
        }
    }
    // MedCode::load_pack returns the same errors and keeps what was loaded.
    let mut mc = MedCode::embedded().unwrap();
    mc.load_pack(pack(PackKind::Cpt).to_vec()).unwrap();
    let e = mc.load_pack(pack(PackKind::Mue)[..40].to_vec()).unwrap_err();
    assert_eq!(e.code(), "PACK-CORRUPT");
    assert_eq!(mc.packs().len(), 1);
    // A pack whose header names another pack kind than its contents.
    let mut b = pack(PackKind::Mue).to_vec();
    b[10..12].copy_from_slice(&17u16.to_le_bytes());
    let e = load_err(b);
    assert_eq!(e.code(), "PACK-CORRUPT");
    assert!(e.to_string().contains("META says \"mue\""), "{e}");
    // Foreign files.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa".to_vec();
    let e = load_err(png);
    assert_eq!(e.code(), "PACK-CORRUPT");
    assert!(e.to_string().contains("PNG image"), "{e}");
    let json = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claims/base.json")).unwrap();
    let e = load_err(json);
    assert_eq!(e.code(), "PACK-CORRUPT");
    assert!(e.to_string().contains("JSON text"), "{e}");
    let e = load_err(std::fs::read(&inputs(PackKind::NcciPtp)[0]).unwrap());
    assert!(e.to_string().contains("medcode pack build"), "a source file given as a pack: {e}");
    let e = load_err(b"PK\x03\x04\x14\0\0\0\x08\0\0\0!\0abcdefghijklmnop".to_vec());
    assert!(e.to_string().contains("ZIP archive"), "{e}");
}

/// The byte range of section `tag` in a blob (header and section table as
/// `src/format/mod.rs` describes them).
fn section_range(b: &[u8], tag: &[u8; 4]) -> std::ops::Range<usize> {
    let e = section_entry(b, tag);
    let off = u32::from_le_bytes(b[e + 4..e + 8].try_into().unwrap()) as usize;
    let len = u32::from_le_bytes(b[e + 8..e + 12].try_into().unwrap()) as usize;
    off..off + len
}

/// Where section `tag`'s entry (tag, offset, length) is in the section table.
fn section_entry(b: &[u8], tag: &[u8; 4]) -> usize {
    let n = u32::from_le_bytes(b[20..24].try_into().unwrap()) as usize;
    (0..n).map(|i| 24 + 12 * i).find(|&e| &b[e..e + 4] == tag).expect("the section")
}

/// The parts an embedded set leaves for first use (row offsets, the 7th-
/// character index) are built and checked when a pack opens: a count array
/// claiming rows the pack lacks, or a cut 7th-character list, is refused
/// there with the section named, not read as empty later; so is a validity
/// row naming a range the pack does not list.
#[test]
fn a_packs_row_counts_and_7th_characters_are_checked_at_open() {
    for tag in [b"FLCN", b"RFCN", b"VECN", b"EXLN"] {
        let mut b = pack(PackKind::Cpt).to_vec();
        let at = section_range(&b, tag);
        b[at].fill(0x7f);
        reseal(&mut b);
        let e = load_err(b);
        assert_eq!(e.code(), "PACK-CORRUPT", "{}: {e}", String::from_utf8_lossy(tag));
        let named = if tag == b"EXLN" { "EXTR".to_string() } else { String::from_utf8_lossy(tag).into_owned() };
        assert!(e.to_string().contains(&named), "{e}");
    }
    // A validity row naming a range the pack's list of ranges lacks.
    let mut b = pack(PackKind::Cpt).to_vec();
    assert!(!section_range(&b, b"DRNG").is_empty(), "the compiler lists a pack's distinct ranges");
    let at = section_range(&b, b"VBRG").start;
    b[at] = 0xff;
    reseal(&mut b);
    let e = load_err(b);
    assert!(e.to_string().contains("VBRG names a date range DRNG does not list"), "{e}");
    // A 7th-character list that names an entry and five characters, then
    // stops: appended to the file, the section table pointing at it.
    let mut b = pack(PackKind::Cpt).to_vec();
    assert!(section_range(&b, b"SEVN").is_empty(), "CPT defines no 7th characters");
    let entry = section_entry(&b, b"SEVN");
    let end = u32::try_from(b.len()).unwrap();
    b[entry + 4..entry + 8].copy_from_slice(&end.to_le_bytes());
    b[entry + 8..entry + 12].copy_from_slice(&2u32.to_le_bytes());
    b.extend_from_slice(&[0, 5]);
    reseal(&mut b);
    let e = load_err(b);
    assert!(e.to_string().contains("SEVN is truncated"), "{e}");
}

#[test]
fn every_flipped_or_cut_byte_is_refused_without_a_panic() {
    for kind in PackKind::ALL {
        let good = pack(kind);
        for at in 0..good.len() {
            for bit in [0x01u8, 0x80] {
                let mut b = good.to_vec();
                b[at] ^= bit;
                let e = load_err(b);
                assert!(e.code().starts_with("PACK-"), "{kind} byte {at}: {e}");
            }
        }
        for len in 0..good.len() {
            assert_eq!(load_err(good[..len].to_vec()).code(), "PACK-CORRUPT", "{kind} cut to {len}");
        }
    }
}

#[test]
fn forged_packs_with_a_recomputed_checksum_are_refused_or_harmless() {
    // Past the checksum, only the structural checks stand between the bytes
    // and the reader: every outcome must be an error or a pack that works.
    let claim = claim(&[
        ("00001", &[], 2.0, DOS),
        ("00002", &[], 3.0, DOS),
        ("00003", &[], 1.0, DOS),
        ("0000T", &[], 9.0, DOS),
    ]);
    let opts =
        SearchOptions { system: Some(System::Cpt), limit: 20, date: date(DOS), billable_only: false, within: None };
    let (mut refused, mut opened) = (0, 0);
    // Forged CPT packs go through MedCode (each replaces the last); NCCI and
    // MUE tables are exercised directly, as the edits use them.
    let mut mc = MedCode::embedded().unwrap();
    for kind in PackKind::ALL {
        let good = pack(kind);
        for at in 24..good.len() {
            for bit in [0x01u8, 0x80] {
                let mut b = good.to_vec();
                b[at] ^= bit;
                reseal(&mut b);
                let p = match medcode::pack::open(Bytes::from_vec(b.clone()), "forged.mcpack") {
                    Err(e) => {
                        assert!(e.code().starts_with("PACK-"), "{kind} byte {at}: {e}");
                        refused += 1;
                        continue;
                    }
                    Ok(p) => p,
                };
                opened += 1;
                let d = date(DOS);
                match &p.data {
                    PackData::Cpt(_) => {
                        mc.load_pack(b).expect("what opens, loads");
                        for q in ["widget", "0000", "00001", "quux", "made up procedure"] {
                            let _ = mc.search(q, &opts);
                        }
                        for c in ["00001", "00005", "0000T"] {
                            let _ = mc.get(c, &medcode::GetOptions { system: Some(System::Cpt), date: d });
                        }
                        let _ = scrub_with(&mc, &claim);
                    }
                    PackData::Ptp(t) => {
                        let rows: Vec<_> = (0..t.len()).filter_map(|i| t.row(i)).collect();
                        for r in &rows {
                            let _ = t.find(r.column1, r.column2, d);
                        }
                        let _ = (t.find("00001", "00002", d), t.count_on(d));
                    }
                    PackData::Mue(t) => {
                        let rows: Vec<_> = (0..t.len()).filter_map(|i| t.row(i)).collect();
                        for r in &rows {
                            let _ = t.find(r.code, d);
                        }
                        let _ = (t.find("00001", d), t.count_on(d));
                    }
                }
            }
        }
    }
    assert!(refused > 0 && opened > 0, "refused {refused}, opened {opened}");
}

// ---- licensing ----

/// `[0-9]{4}[0-9A-Z]` as a whole token: the CPT code format.
fn cpt_tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| {
            let b = t.as_bytes();
            b.len() == 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4].is_ascii_alphanumeric()
        })
        .collect()
}

fn made_up(code: &str) -> bool {
    let b = code.as_bytes();
    (b.starts_with(b"000") && b[3].is_ascii_digit() && b[4].is_ascii_digit()) || code == "0000F" || code == "0000T"
}

#[test]
fn the_fixtures_hold_only_made_up_cpt_format_codes() {
    assert!(made_up("00099") && made_up("0000F") && made_up("0000T"));
    // Nothing above them is (the codes are formed here, never written down).
    assert!((100..10_000).map(|n| format!("{n:05}")).all(|c| !made_up(&c)));
    assert!(["F", "T", "U", "A"].iter().all(|l| !made_up(&format!("0001{l}"))));
    let mut files = Vec::new();
    let mut stack = vec![fixtures()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 7, "{files:?}");
    files.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/packs.rs"));
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for t in cpt_tokens(&text) {
            assert!(
                made_up(&t.to_ascii_uppercase()),
                "{}: {t} is not one of the made-up CPT-format codes",
                f.display()
            );
        }
        for line in text.lines().filter(|l| !cpt_tokens(l).is_empty()) {
            let lower = line.to_ascii_lowercase();
            let described =
                line.split(['\t', ',']).skip(1).any(|c| c.chars().filter(|c| c.is_alphabetic()).count() > 12);
            if described && f.to_string_lossy().contains("/cpt/") {
                assert!(
                    lower.contains("made-up"),
                    "{}: a descriptor that does not say it is made up: {line}",
                    f.display()
                );
            }
        }
    }
}
