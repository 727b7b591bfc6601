//! `orderdeck audit verify`: walks the audit log's hash chain.

use super::{emit, CommandError, Context};
use crate::store::Verification;

/// Ok(true) when the log is intact; the first bad entry is named otherwise.
pub async fn verify(ctx: &Context) -> Result<bool, CommandError> {
    match ctx.store.verify_audit().await? {
        Verification::Intact { entries, head } => {
            emit(&format!(
                "audit log intact: {entries} entries, head {head}\n"
            ))?;
            Ok(true)
        }
        Verification::Broken { seq, problem } => {
            eprintln!("orderdeck: audit log broken at entry {seq}: {problem}");
            Ok(false)
        }
    }
}
