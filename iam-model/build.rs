//! Packs the bundled AWS managed policy documents (`data/aws-managed-policies*/policies/*.json`)
//! into one whitespace-stripped blob plus an offset table in `OUT_DIR`, so the crate embeds a
//! single `include_str!` and parses documents lazily (see `src/entities/aws_managed.rs`).

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

/// JSON text without the whitespace between tokens (whitespace inside strings is kept).
fn minify(text: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::with_capacity(text.len()), false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
    }
    out
}

fn pack(dir: &Path, blob: &mut String, table: &mut String, name: &str) -> std::io::Result<()> {
    let mut files: Vec<_> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let _ = writeln!(
        table,
        "pub(crate) static {name}: &[(&str, usize, usize)] = &["
    );
    for f in files {
        let text = fs::read_to_string(&f)?;
        let stem = f
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let doc = minify(&text);
        let _ = writeln!(table, "    ({stem:?}, {}, {}),", blob.len(), doc.len());
        blob.push_str(&doc);
    }
    table.push_str("];\n");
    Ok(())
}

fn main() -> std::io::Result<()> {
    let root = Path::new("data");
    println!("cargo:rerun-if-changed=data/aws-managed-policies");
    println!("cargo:rerun-if-changed=data/aws-managed-policies-deprecated");
    let (mut blob, mut table) = (String::new(), String::new());
    pack(
        &root.join("aws-managed-policies/policies"),
        &mut blob,
        &mut table,
        "CURRENT",
    )?;
    pack(
        &root.join("aws-managed-policies-deprecated/policies"),
        &mut blob,
        &mut table,
        "DEPRECATED",
    )?;
    let out = env::var("OUT_DIR").map_err(std::io::Error::other)?;
    fs::write(Path::new(&out).join("aws_managed_blob.json"), blob)?;
    fs::write(Path::new(&out).join("aws_managed_table.rs"), table)?;
    Ok(())
}
