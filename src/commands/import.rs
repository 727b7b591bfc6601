use std::fmt::Write;
use std::path::PathBuf;

use super::{emit, CommandError, Context};
use crate::connectors::Source;
use crate::sync::import::{import_paths, ImportReport};
use crate::sync::vendor_edi::{self, FileOutcome};

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

/// `import --source vendor`: X12 files applied as an inbox poll would.
/// Returns whether every file was applied (or was a repeat of one that was).
pub async fn run_vendor(ctx: &Context, paths: &[PathBuf]) -> Result<bool, CommandError> {
    let reports =
        vendor_edi::import_files(&ctx.store, &ctx.policy, &ctx.config.vendors, paths, ctx.now)
            .await?;
    let mut out = String::new();
    for report in &reports {
        let path = report.path.display();
        match &report.outcome {
            FileOutcome::Applied { documents } => {
                let _ = writeln!(out, "{path}: {documents} document(s) applied");
            }
            FileOutcome::Duplicate { first } => {
                let _ = writeln!(
                    out,
                    "{path}: already applied from {first}, not applied again"
                );
            }
            FileOutcome::Quarantined { reason } => {
                eprintln!("orderdeck: kept aside {path}: {reason}");
            }
        }
        if let Some(to) = &report.moved_to {
            let _ = writeln!(out, "{path}: moved to {}", to.display());
        }
        if let Some(ack) = &report.acknowledged_by {
            let _ = writeln!(out, "{path}: acknowledged with {}", ack.display());
        }
    }
    let kept_aside = reports
        .iter()
        .filter(|r| matches!(r.outcome, FileOutcome::Quarantined { .. }))
        .count();
    let _ = writeln!(
        out,
        "{} of {} file(s) applied or already applied, {kept_aside} kept aside",
        reports.len() - kept_aside,
        reports.len()
    );
    emit(&out)?;
    Ok(kept_aside == 0)
}
