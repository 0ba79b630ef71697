//! `conclave-conformance [--kind KIND] PATH...`: runs the MLS working group's
//! test vectors and prints one line per file and a total.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use conclave_conformance::{collect_files, default_provider, run_file, Kind};

const USAGE: &str = "usage: conclave-conformance [--verbose] [--kind KIND] PATH...
  PATH     a vector file, or a folder of them (its *.json files)
  --kind   the format of the files that follow, for files not named as the
           official ones; KIND is one of:
           tree-math crypto-basics secret-tree message-protection key-schedule
           psk-secret transcript-hashes welcome tree-operations tree-validation
           treekem messages passive-client deserialization
  --verbose  print every failed or skipped case, not only the first few";

fn main() -> ExitCode {
    let provider = default_provider();
    let mut kind: Option<Kind> = None;
    let mut verbose = false;
    let mut jobs: Vec<(PathBuf, Option<Kind>)> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--verbose" | "-v" => verbose = true,
            "--kind" => {
                let Some(name) = args.next() else {
                    eprintln!("--kind needs a value\n{USAGE}");
                    return ExitCode::from(2);
                };
                match Kind::from_name(&name) {
                    Some(k) => kind = Some(k),
                    None => {
                        eprintln!("unknown kind `{name}`\n{USAGE}");
                        return ExitCode::from(2);
                    }
                }
            }
            path => match collect_files(path.as_ref()) {
                Ok(files) => jobs.extend(files.into_iter().map(|f| (f, kind))),
                Err(e) => {
                    eprintln!("{path}: {e}");
                    return ExitCode::from(2);
                }
            },
        }
    }
    if jobs.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (path, kind) in jobs {
        let name = path.display().to_string();
        let Some(kind) = kind.or_else(|| Kind::from_file_name(&path)) else {
            println!("{name}: 0 passed, 1 failed, 0 skipped (unknown file name; use --kind)");
            failed += 1;
            continue;
        };
        let report = run_file(&path, kind, &provider);
        println!(
            "{name}: {} passed, {} failed, {} skipped",
            report.passed, report.failed, report.skipped
        );
        let shown = if verbose { usize::MAX } else { 5 };
        for note in report.notes.iter().take(shown) {
            println!("  {note}");
        }
        if report.notes.len() > shown {
            println!("  ... {} more (use --verbose)", report.notes.len() - shown);
        }
        passed += report.passed;
        failed += report.failed;
        skipped += report.skipped;
    }
    if skipped > 0 {
        println!("{passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("{passed} passed, {failed} failed");
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
