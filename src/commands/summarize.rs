//! `orderdeck summarize --all-listed`: asks the model about every listed
//! order ahead of time, within `[ai] requests_per_minute` and `parallel`, so
//! that the console and `show` answer from the cache.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinSet;

use super::{emit, CommandError, Context};
use crate::domain::Queue;
use crate::store::{OrderRow, StoreError};
use crate::summary::SummaryOutcome;

const PAGE: i64 = 500;

/// How a warming went, for its one line and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummarizeReport {
    pub orders: usize,
    /// Asked of the model and answered.
    pub written: usize,
    /// Answered from the cache already.
    pub cached: usize,
    /// Answered, but naming what the facts do not hold.
    pub unverified: usize,
    /// Not answered: the offline summary stands in.
    pub failed: usize,
    /// The first failure, for the one line.
    pub first_failure: Option<String>,
}

impl SummarizeReport {
    pub fn clean(&self) -> bool {
        self.failed == 0
    }

    fn count(&mut self, order: &str, outcome: Result<SummaryOutcome, String>) {
        match outcome {
            Ok(outcome) if !outcome.failed() => {
                if outcome.cached {
                    self.cached += 1;
                } else {
                    self.written += 1;
                }
                if outcome.unverified {
                    self.unverified += 1;
                }
            }
            Ok(outcome) => self.fail(order, outcome.fallback_reason.unwrap_or_default()),
            Err(reason) => self.fail(order, reason),
        }
    }

    fn fail(&mut self, order: &str, reason: String) {
        self.failed += 1;
        self.first_failure
            .get_or_insert_with(|| format!("{order}: {reason}"));
    }

    pub fn line(&self) -> String {
        let mut line = format!(
            "summarised {} order(s): {} written, {} already cached",
            self.orders, self.written, self.cached
        );
        if self.unverified > 0 {
            line.push_str(&format!(", {} unverified", self.unverified));
        }
        if self.failed > 0 {
            line.push_str(&format!(", {} failed", self.failed));
        }
        if let Some(first) = &self.first_failure {
            line.push_str(&format!(" (first: {first})"));
        }
        line.replace('\n', " ")
    }
}

/// Orders named by the operator, or every listed one.
pub enum Which {
    AllListed,
    Orders(Vec<String>),
}

pub async fn run(ctx: &Context, which: &Which) -> Result<SummarizeReport, CommandError> {
    ctx.refresh().await?;
    let summarizer = ctx.summarizer()?;
    let parallel = ctx.config.ai()?.parallel.max(1) as usize;
    let ids = match which {
        Which::AllListed => listed(ctx).await?,
        Which::Orders(references) => {
            let mut ids = Vec::with_capacity(references.len());
            for reference in references {
                ids.push(
                    ctx.store
                        .find_order(reference)
                        .await?
                        .ok_or_else(|| CommandError::UnknownOrder(reference.clone()))?,
                );
            }
            ids
        }
    };
    let mut report = SummarizeReport {
        orders: ids.len(),
        ..SummarizeReport::default()
    };
    if summarizer.is_offline() {
        emit(&format!(
            "{} order(s): [ai] provider is \"offline\", so there is nothing to ask a model\n",
            report.orders
        ))?;
        return Ok(report);
    }
    let bar = progress(ids.len() as u64);
    let mut pending = ids.into_iter();
    let mut tasks: JoinSet<(String, Result<SummaryOutcome, String>)> = JoinSet::new();
    loop {
        while tasks.len() < parallel {
            let Some(id) = pending.next() else { break };
            let store = ctx.store.clone();
            let summarizer = summarizer.clone();
            tasks.spawn(async move {
                match store.order_detail(id).await {
                    Ok(Some(detail)) => {
                        let outcome = summarizer.summarize(&store, &detail).await;
                        (detail.row.name, Ok(outcome))
                    }
                    Ok(None) => (format!("order {id}"), Err("no longer stored".to_string())),
                    Err(e) => (format!("order {id}"), Err(e.to_string())),
                }
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (order, outcome) = joined.unwrap_or_else(|e| ("?".to_string(), Err(e.to_string())));
        report.count(&order, outcome);
        bar.inc(1);
    }
    bar.finish_and_clear();
    emit(&format!("{}\n", report.line()))?;
    Ok(report)
}

/// The ids in the overdue, informational and blocked queues, in queue order.
async fn listed(ctx: &Context) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::new();
    for queue in Queue::LISTED {
        let mut after: Option<OrderRow> = None;
        loop {
            let page = ctx.store.queue_page(queue, after.as_ref(), PAGE).await?;
            ids.extend(page.iter().map(|row| row.id));
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => after = Some(last.clone()),
                _ => break,
            }
        }
    }
    Ok(ids)
}

/// Drawn on stderr, and only on a terminal: scripts read stdout and logs.
fn progress(len: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(len), target);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} summarising {pos}/{len} [{wide_bar}] {eta}")
    {
        bar.set_style(style);
    }
    bar
}
