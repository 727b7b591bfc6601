use std::fmt::Write;
use std::path::PathBuf;

use super::{emit, CommandError, Context};
use crate::connectors::Source;
use crate::sync::import::{import_paths, ImportReport};

/// Returns the report so `main` can choose the exit status: anything kept
/// aside makes the run partial.
pub async fn run(
    ctx: &Context,
    source: Source,
    paths: &[PathBuf],
) -> Result<ImportReport, CommandError> {
    let report = import_paths(&ctx.store, &ctx.policy, source, paths, ctx.now).await?;
    let mut out = String::new();
    for file in &report.files {
        match &file.error {
            Some(error) => {
                eprintln!("orderdeck: skipped {}: {error}", file.path.display());
            }
            None => {
                let _ = writeln!(
                    out,
                    "{}: {} document(s) loaded{}",
                    file.path.display(),
                    file.documents,
                    if file.rejected.is_empty() {
                        String::new()
                    } else {
                        format!(", {} kept aside", file.rejected.len())
                    }
                );
                for reason in &file.rejected {
                    eprintln!(
                        "orderdeck: kept aside from {}: {reason}",
                        file.path.display()
                    );
                }
            }
        }
    }
    let loaded = report.files.iter().filter(|f| f.error.is_none()).count();
    let _ = writeln!(
        out,
        "{loaded} of {} file(s) loaded, {} order(s) evaluated",
        report.files.len(),
        report.orders_evaluated
    );
    emit(&out)?;
    Ok(report)
}
