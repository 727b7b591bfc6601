//! The action dialog's behaviour: choose an action, see its preflight and
//! the exact requests, give a reason code (and a note, and for high-impact
//! actions the order number), confirm. The plan and the run are the same
//! pipeline `orderdeck act` uses, carried out by the data task.

use crossterm::event::KeyEvent;
use tui_textarea::TextArea;

use super::keymap::{Action, Context};
use super::state::{
    ActionDialog, ActionStage, Effect, Focus, Message, Overlay, Review, ReviewFocus, State,
};
use crate::actions::{ActionKind, Impact};
use crate::domain::normalize_order_name;

fn text_field() -> TextArea<'static> {
    TextArea::default()
}

/// Opens the dialog on the order in focus.
pub fn open(state: &mut State) -> Vec<Effect> {
    let target = match state.focus {
        Focus::Detail => state.detail.as_ref().and_then(|d| {
            d.loaded
                .as_ref()
                .map(|l| (d.order_id, l.detail.row.name.clone()))
        }),
        Focus::Queue => state
            .active_pane()
            .selected_row()
            .map(|row| (row.id, row.name.clone())),
    };
    let Some((order_id, order_name)) = target else {
        return Vec::new();
    };
    let choices: Vec<ActionKind> = state
        .identity
        .allowed
        .iter()
        .copied()
        .filter(|kind| kind.available() && *kind != ActionKind::Resync)
        .collect();
    if choices.is_empty() {
        state.status = Some(format!(
            "{} ({}) may run no actions: see [roles] and [permissions]",
            state.identity.operator,
            state.identity.role.as_deref().unwrap_or("no role")
        ));
        return Vec::new();
    }
    state.overlay = Some(Overlay::Action(Box::new(ActionDialog {
        order_id,
        order_name,
        stage: ActionStage::Choose {
            choices,
            selected: 0,
        },
    })));
    Vec::new()
}

/// The keymap context the dialog is in: typed text where a field has the
/// focus, buttons otherwise.
pub fn context(dialog: &ActionDialog) -> Context {
    match &dialog.stage {
        ActionStage::WriteNote { .. } => Context::ConfirmTyped,
        ActionStage::Review(review) if text_focus(review) => Context::ConfirmTyped,
        _ => Context::Confirm,
    }
}

fn text_focus(review: &Review) -> bool {
    matches!(
        review.focus,
        ReviewFocus::Reason | ReviewFocus::Note | ReviewFocus::Typed
    )
}

/// Typed text for whichever field has the focus.
pub fn type_into(dialog: &mut ActionDialog, event: KeyEvent) {
    let field = match &mut dialog.stage {
        ActionStage::WriteNote { text } => Some(&mut **text),
        ActionStage::Review(review) => match review.focus {
            ReviewFocus::Reason => Some(&mut review.reason),
            ReviewFocus::Note => Some(&mut review.extra_note),
            ReviewFocus::Typed => review.typed.as_mut(),
            _ => None,
        },
        _ => None,
    };
    if let Some(field) = field {
        field.input(event);
    }
}

fn ring(review: &Review) -> Vec<ReviewFocus> {
    let mut ring = vec![ReviewFocus::Cancel, ReviewFocus::Reason, ReviewFocus::Note];
    if review.typed.is_some() {
        ring.push(ReviewFocus::Typed);
    }
    ring.push(ReviewFocus::Confirm);
    ring
}

fn step_focus(review: &mut Review, forward: bool) {
    let ring = ring(review);
    let at = ring.iter().position(|f| *f == review.focus).unwrap_or(0);
    let next = if forward {
        (at + 1) % ring.len()
    } else {
        (at + ring.len() - 1) % ring.len()
    };
    review.focus = ring[next];
}

fn text_of(field: &TextArea<'_>) -> String {
    field.lines().join(" ").trim().to_string()
}

/// The reason code an operator means: the code itself, in any case, or
/// the start of exactly one.
pub fn resolve_reason(typed: &str, known: &[String]) -> Result<String, String> {
    let typed = typed.trim().to_uppercase();
    if typed.is_empty() {
        return Err(format!("a reason code is required: {}", known.join(", ")));
    }
    if let Some(exact) = known.iter().find(|k| **k == typed) {
        return Ok(exact.clone());
    }
    let matching: Vec<&String> = known.iter().filter(|k| k.starts_with(&typed)).collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(format!("no reason code {typed}: {}", known.join(", "))),
        many => Err(format!(
            "{typed} could be {}",
            many.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    }
}

/// A key's action while the dialog is open.
pub fn on_action(state: &mut State, action: Action) -> Vec<Effect> {
    let known = state.identity.reason_codes.clone();
    let Some(Overlay::Action(dialog)) = &mut state.overlay else {
        return Vec::new();
    };
    if matches!(action, Action::Cancel | Action::Back) {
        state.overlay = None;
        return Vec::new();
    }
    let order_id = dialog.order_id;
    match &mut dialog.stage {
        ActionStage::Choose { choices, selected } => match action {
            Action::NextButton => *selected = (*selected + 1) % choices.len(),
            Action::PreviousButton => *selected = (*selected + choices.len() - 1) % choices.len(),
            Action::PressButton => {
                let chosen = choices[*selected];
                // A reroute is decided where its alternates can be seen.
                if matches!(
                    chosen,
                    ActionKind::RerouteApprove | ActionKind::RerouteReject
                ) {
                    return super::reroute::show(state, order_id);
                }
                if chosen == ActionKind::Note {
                    dialog.stage = ActionStage::WriteNote {
                        text: Box::new(text_field()),
                    };
                } else {
                    dialog.stage = ActionStage::Preparing {
                        action: chosen,
                        note: None,
                    };
                    return vec![Effect::PrepareAction {
                        order_id,
                        order: dialog.order_name.clone(),
                        action: chosen,
                        note: None,
                        alternate: None,
                    }];
                }
            }
            _ => {}
        },
        ActionStage::WriteNote { text } => {
            if action == Action::PressButton {
                let note = text_of(text);
                if note.is_empty() {
                    return Vec::new();
                }
                dialog.stage = ActionStage::Preparing {
                    action: ActionKind::Note,
                    note: Some(note.clone()),
                };
                return vec![Effect::PrepareAction {
                    order_id,
                    order: dialog.order_name.clone(),
                    action: ActionKind::Note,
                    note: Some(note),
                    alternate: None,
                }];
            }
        }
        ActionStage::Review(review) => match action {
            Action::PageDown => review.scroll = review.scroll.saturating_add(10),
            Action::PageUp => review.scroll = review.scroll.saturating_sub(10),
            Action::NextButton => step_focus(review, true),
            Action::PreviousButton => step_focus(review, false),
            Action::PressButton => match review.focus {
                ReviewFocus::Cancel => state.overlay = None,
                ReviewFocus::Confirm => return confirm(dialog, &known),
                _ => step_focus(review, true),
            },
            _ => {}
        },
        ActionStage::Preparing { .. } | ActionStage::Running { .. } => {}
    }
    Vec::new()
}

/// Runs the plan if everything it needs is there; otherwise says what is
/// missing and runs nothing.
fn confirm(dialog: &mut ActionDialog, known: &[String]) -> Vec<Effect> {
    let ActionStage::Review(review) = &mut dialog.stage else {
        return Vec::new();
    };
    if let Some(block) = review.prepared.plan.preflight.first_block() {
        review.problem = Some(format!("blocked: {}", block.reason));
        return Vec::new();
    }
    let reason = match resolve_reason(&text_of(&review.reason), known) {
        Ok(reason) => reason,
        Err(problem) => {
            review.problem = Some(problem);
            review.focus = ReviewFocus::Reason;
            return Vec::new();
        }
    };
    if let Some(typed) = &review.typed {
        if normalize_order_name(&text_of(typed)) != normalize_order_name(&dialog.order_name) {
            review.problem = Some(format!(
                "type the order number {} to confirm",
                dialog.order_name
            ));
            review.focus = ReviewFocus::Typed;
            return Vec::new();
        }
    }
    let extra = text_of(&review.extra_note);
    let note = review
        .note
        .clone()
        .or_else(|| (!extra.is_empty()).then_some(extra));
    review.problem = None;
    let effect = Effect::ExecuteAction {
        order_id: dialog.order_id,
        prepared: Box::new(review.prepared.clone()),
        reason,
        note,
    };
    let action = review.prepared.plan.action;
    if let ActionStage::Review(review) = std::mem::replace(
        &mut dialog.stage,
        ActionStage::Preparing { action, note: None },
    ) {
        dialog.stage = ActionStage::Running(review);
    }
    vec![effect]
}

/// The data task's answers.
pub fn on_message(state: &mut State, message: Message) -> Vec<Effect> {
    state.dirty = true;
    match message {
        Message::Prepared { order_id, result } => {
            let Some(Overlay::Action(dialog)) = &mut state.overlay else {
                return Vec::new();
            };
            if dialog.order_id != order_id {
                return Vec::new();
            }
            match result {
                Ok(prepared) => {
                    let typed = (prepared.plan.impact == Impact::High).then(text_field);
                    let note = match &dialog.stage {
                        ActionStage::Preparing { note, .. } => note.clone(),
                        _ => None,
                    };
                    dialog.stage = ActionStage::Review(Box::new(Review {
                        note,
                        prepared: *prepared,
                        reason: text_field(),
                        extra_note: text_field(),
                        typed,
                        focus: ReviewFocus::Cancel,
                        problem: None,
                        scroll: 0,
                    }));
                }
                Err(refusal) => {
                    state.overlay = None;
                    state.status = Some(refusal);
                }
            }
            Vec::new()
        }
        Message::Executed { order_id, result } => {
            let dialog_open =
                matches!(&state.overlay, Some(Overlay::Action(d)) if d.order_id == order_id);
            match result {
                Ok(executed) => {
                    if dialog_open {
                        state.overlay = None;
                    }
                    let how = if executed.reconciled {
                        "reconciled an earlier run of"
                    } else {
                        "done:"
                    };
                    state.status = Some(format!(
                        "{how} {} on {} (audit entry {})",
                        executed.action, executed.order, executed.audit_seq
                    ));
                    let mut effects = super::update::refresh(state);
                    if !effects
                        .iter()
                        .any(|e| matches!(e, Effect::LoadDetail { .. }))
                    {
                        effects.push(Effect::LoadDetail { order_id });
                    }
                    effects
                }
                Err(error) => {
                    match &mut state.overlay {
                        Some(Overlay::Action(dialog)) if dialog.order_id == order_id => {
                            let stage = std::mem::replace(
                                &mut dialog.stage,
                                ActionStage::Choose {
                                    choices: Vec::new(),
                                    selected: 0,
                                },
                            );
                            dialog.stage = match stage {
                                ActionStage::Running(mut review) => {
                                    review.problem = Some(error);
                                    ActionStage::Review(review)
                                }
                                other => other,
                            };
                        }
                        _ => state.status = Some(error),
                    }
                    Vec::new()
                }
            }
        }
        _ => Vec::new(),
    }
}
