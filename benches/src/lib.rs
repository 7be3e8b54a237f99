//! Shared helpers of the iamkit benchmarks.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// The directory of the bundled AWS managed policies (`iam-model/data/aws-managed-policies/policies`).
pub fn managed_policy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../iam-model/data/aws-managed-policies/policies")
}

/// One document of the managed-policy corpus.
#[derive(Debug, Clone)]
pub struct CorpusDoc {
    /// File name, such as `AdministratorAccess.json`.
    pub name: String,
    /// The document text, as stored.
    pub text: String,
}

/// Reads every `*.json` file of the managed-policy corpus, sorted by file name.
///
/// # Errors
/// When the directory or a file cannot be read, or a file is not UTF-8.
pub fn load_managed_policies() -> std::io::Result<Vec<CorpusDoc>> {
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(managed_policy_dir())? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            docs.push(CorpusDoc { name, text });
        }
    }
    docs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(docs)
}

/// Total size in bytes of a set of documents.
pub fn total_bytes(docs: &[CorpusDoc]) -> u64 {
    docs.iter().map(|d| d.text.len() as u64).sum()
}

pub mod synthetic;
