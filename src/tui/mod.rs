//! The terminal console. `update` decides, `view` draws, `data` and the
//! workers do all I/O and answer through channels; this loop only carries
//! messages between them and paces the frames (DESIGN.md §7).

pub mod act;
pub mod data;
pub mod keymap;
pub mod layout;
pub mod reroute;
pub mod state;
mod terminal;
pub mod update;
pub mod view;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono_tz::Tz;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use self::data::{Acting, DataTask};
use self::keymap::Keymap;
use self::state::{Effect, Identity, Message, State};
use crate::store::Store;
use crate::summary::Summarizer;
use crate::sync::workers::{Clock, WorkerEvent, Workers};

/// At most ~20 frames a second, however fast messages arrive.
const FRAME: Duration = Duration::from_millis(50);
const TICK: Duration = Duration::from_secs(1);

pub struct ConsoleOptions {
    pub identity: Identity,
    pub keymap: Keymap,
    pub zone: Tz,
    pub color: bool,
    pub clock: Clock,
    pub summarizer: Summarizer,
    /// `[tolerances]`, for what counts as stale.
    pub tolerances: crate::engine::Tolerances,
    /// What actions need; `None` turns them off (`--read-only`).
    pub acting: Option<Acting>,
}

/// Whether colours may be used: `NO_COLOR` set to anything non-empty says no.
pub fn colors_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs the console until the operator quits or the session ends.
/// `workers` feed it live; without them it shows the store as it is.
pub async fn run(
    store: Store,
    workers: Option<(Workers, mpsc::Receiver<WorkerEvent>)>,
    options: ConsoleOptions,
) -> std::io::Result<()> {
    let (workers, mut worker_events) = match workers {
        Some((workers, events)) => (Some(workers), Some(events)),
        None => (None, None),
    };
    let clock = options.clock.clone();
    let mut state = State::new(
        options.identity,
        options.keymap,
        options.zone,
        options.color,
        clock(),
    );

    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let (mut terminal, guard) = terminal::take_over()?;
    let size = terminal.size()?;
    state.size = (size.width, size.height);
    state.stale_after = options.tolerances.stale_data;

    let (effect_sender, effect_receiver) = mpsc::unbounded_channel();
    let (message_sender, mut messages) = mpsc::unbounded_channel();
    let data = tokio::spawn(
        DataTask {
            store,
            workers,
            zone: options.zone,
            clock: clock.clone(),
            summarizer: options.summarizer,
            tolerances: options.tolerances,
            acting: options.acting,
        }
        .run(effect_receiver, message_sender.clone()),
    );
    let stop_input = Arc::new(AtomicBool::new(false));
    terminal::spawn_input(message_sender, stop_input.clone());

    let mut frames = tokio::time::interval(FRAME);
    frames.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut ticks = tokio::time::interval(TICK);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let mut pending = update::refresh(&mut state);
    pending.push(Effect::LoadSyncTimes);
    loop {
        for effect in pending.drain(..) {
            if effect == Effect::ClearScreen {
                terminal.clear()?;
                state.dirty = true;
            } else if effect_sender.send(effect).is_err() {
                state.quit = true;
            }
        }
        if state.quit {
            break;
        }
        let message = tokio::select! {
            Some(message) = messages.recv() => message,
            Some(event) = next_worker_event(&mut worker_events) => Message::Worker(event),
            _ = ticks.tick() => Message::Tick(clock()),
            _ = frames.tick() => {
                if state.dirty {
                    draw(&mut terminal, &state)?;
                    state.dirty = false;
                }
                continue;
            }
            _ = terminate.recv() => break,
            _ = hangup.recv() => break,
        };
        pending = update::update(&mut state, message);
    }

    stop_input.store(true, Ordering::Relaxed);
    drop(effect_sender);
    drop(guard);
    if let Ok(Some(workers)) = data.await {
        workers.shutdown().await;
    }
    Ok(())
}

async fn next_worker_event(
    events: &mut Option<mpsc::Receiver<WorkerEvent>>,
) -> Option<WorkerEvent> {
    match events {
        Some(events) => events.recv().await,
        None => std::future::pending().await,
    }
}

/// One frame, sent as a synchronized update so a slow link never shows a
/// half-drawn screen; ratatui sends only the cells that changed.
fn draw(terminal: &mut terminal::Term, state: &State) -> std::io::Result<()> {
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(|frame| view::render(frame, state))?;
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    Ok(())
}
