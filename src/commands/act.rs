//! `orderdeck act ORDER ACTION`: the action pipeline for scripts. Without
//! `--yes` (or with `--dry-run`) it only shows the preflight and the exact
//! requests; with it, it runs the action once and audits it.

use std::fmt::Write;

use chrono::NaiveDate;

use super::{emit, CommandError, Context};
use crate::actions::pipeline::{self, ActRequest, Actor, Deck, Prepared};
use crate::actions::{ActionError, ActionKind};
use crate::commands::show::verdict_glyph;
use crate::sync::connections::Connections;
use crate::text::sanitize;

#[derive(Debug, Clone, Default)]
pub struct ActOptions {
    pub order: String,
    pub action: String,
    pub dry_run: bool,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub yes: bool,
    pub until: Option<NaiveDate>,
    pub alternate: Option<usize>,
    pub json: bool,
    pub read_only: bool,
}

pub async fn run(ctx: &Context, options: &ActOptions) -> Result<(), CommandError> {
    let action = ActionKind::from_name(&options.action)
        .ok_or_else(|| ActionError::UnknownAction(options.action.clone()))?;
    let request = ActRequest {
        order: options.order.clone(),
        action,
        note: options.note.clone(),
        hold_until: options.until,
        alternate: options.alternate,
        read_only: options.read_only,
    };
    ctx.refresh().await?;
    let actor = Actor::current()?;
    let connections = Connections::from_config(&ctx.config);
    let deck = Deck {
        store: &ctx.store,
        config: &ctx.config,
        policy: &ctx.policy,
        connections: &connections,
    };
    let prepared = pipeline::prepare(&deck, &actor, &request, ctx.now).await?;
    if options.dry_run || !options.yes {
        if options.json {
            let text = serde_json::to_string_pretty(&prepared)
                .map_err(|e| CommandError::Other(e.to_string()))?;
            emit(&format!("{text}\n"))?;
        } else {
            emit(&render_plan(&prepared, options))?;
        }
        if let Some(block) = prepared.plan.preflight.first_block() {
            return Err(ActionError::Blocked {
                action,
                order: prepared.plan.order.clone(),
                reason: block.reason.clone(),
            }
            .into());
        }
        return Ok(());
    }
    let executed = pipeline::execute(
        &deck,
        &actor,
        &prepared,
        options.reason.as_deref(),
        options.note.as_deref(),
        ctx.now,
    )
    .await?;
    if options.json {
        let text = serde_json::to_string_pretty(&executed)
            .map_err(|e| CommandError::Other(e.to_string()))?;
        emit(&format!("{text}\n"))?;
    } else {
        let how = if executed.reconciled {
            "reconciled an earlier run with an unknown outcome"
        } else {
            "done"
        };
        emit(&format!(
            "{how}: {} on {} (audit entry {}, idempotency key {})\n",
            executed.action,
            sanitize(&executed.order),
            executed.audit_seq,
            executed.run_key
        ))?;
    }
    Ok(())
}

fn render_plan(prepared: &Prepared, options: &ActOptions) -> String {
    let plan = &prepared.plan;
    let mut out = String::new();
    let impact = match plan.impact {
        crate::actions::Impact::High => "high impact",
        crate::actions::Impact::Low => "low impact",
    };
    let _ = writeln!(
        out,
        "{} on {}  ({impact}; as {}, role {})",
        plan.action,
        sanitize(&plan.order),
        sanitize(&prepared.actor),
        prepared.role
    );
    let _ = writeln!(out, "\nPreflight");
    for check in &plan.preflight.checks {
        let _ = writeln!(
            out,
            "  {}  {:<24} {}",
            verdict_glyph(check.verdict),
            check.code,
            sanitize(&check.reason)
        );
    }
    let _ = writeln!(out, "\nPreview");
    out.push_str(&plan.preview.render());
    if !plan.preflight.blocked() {
        let reason = options.reason.as_deref().unwrap_or("CODE");
        let _ = writeln!(
            out,
            "\nNot run. To run it: orderdeck act {} {} --reason {reason} --yes",
            sanitize(&options.order),
            plan.action
        );
    }
    out
}
