#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use orderdeck::tui::keymap::{Action, Context, EntryProblem, Key, Keymap, KeymapError};

fn key(name: &str) -> Key {
    name.parse()
        .unwrap_or_else(|e| panic!("{name:?} should parse: {e}"))
}

fn defaults() -> Keymap {
    Keymap::default_map().unwrap_or_else(|e| panic!("{e}"))
}

/// Loads `text` as the user's keymap.toml; the directory is returned so the
/// file outlives the call and its path can be checked in messages.
fn with_user_file(text: &str) -> (Result<Keymap, KeymapError>, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keymap.toml");
    std::fs::write(&path, text).unwrap();
    (Keymap::load(Some(&path)), path, dir)
}

fn user_error(text: &str) -> (KeymapError, String, String) {
    let (result, path, _dir) = with_user_file(text);
    let error = result.expect_err("the file should be refused");
    let message = error.to_string();
    assert!(!message.contains('\n'), "one line, got: {message}");
    (error, message, path.display().to_string())
}

#[test]
fn default_keymap_binds_what_design_promises() {
    let map = defaults();
    for context in [Context::Queue, Context::Detail, Context::Help] {
        assert_eq!(
            map.action(context, key("?")),
            Some(Action::Help),
            "{context}"
        );
        assert_eq!(
            map.action(context, key(":")),
            Some(Action::Command),
            "{context}"
        );
        assert_eq!(
            map.action(context, key("esc")),
            Some(Action::Back),
            "{context}"
        );
        assert_eq!(
            map.action(context, key("q")),
            Some(Action::Back),
            "{context}"
        );
        assert_eq!(
            map.action(context, key("tab")),
            Some(Action::NextPane),
            "{context}"
        );
        assert_eq!(
            map.action(context, key("backtab")),
            Some(Action::PreviousPane)
        );
        assert_eq!(map.action(context, key("1")), Some(Action::QueueOverdue));
        assert_eq!(
            map.action(context, key("2")),
            Some(Action::QueueInformational)
        );
        assert_eq!(map.action(context, key("3")), Some(Action::QueueBlocked));
        assert_eq!(map.action(context, key("ctrl-l")), Some(Action::Redraw));
        assert_eq!(
            map.action(context, key("g")),
            Some(Action::Top),
            "{context}"
        );
        assert_eq!(
            map.action(context, key("G")),
            Some(Action::Bottom),
            "{context}"
        );
        assert_eq!(map.action(context, key("pgdown")), Some(Action::PageDown));
        assert_eq!(map.action(context, key("pgup")), Some(Action::PageUp));
    }
    let queue = |name| map.action(Context::Queue, key(name));
    assert_eq!(queue("/"), Some(Action::Filter));
    assert_eq!(queue("enter"), Some(Action::Open));
    assert_eq!(queue("j"), Some(Action::Down));
    assert_eq!(queue("down"), Some(Action::Down));
    assert_eq!(queue("k"), Some(Action::Up));
    assert_eq!(queue("up"), Some(Action::Up));
    let detail = |name| map.action(Context::Detail, key(name));
    assert_eq!(detail("j"), Some(Action::ScrollDown));
    assert_eq!(detail("down"), Some(Action::ScrollDown));
    assert_eq!(detail("k"), Some(Action::ScrollUp));
    assert_eq!(detail("up"), Some(Action::ScrollUp));
    assert_eq!(
        map.action(Context::Confirm, key("esc")),
        Some(Action::Cancel)
    );
    assert_eq!(
        map.action(Context::Confirm, key("enter")),
        Some(Action::PressButton)
    );
    assert_eq!(
        map.action(Context::Confirm, key("tab")),
        Some(Action::NextButton)
    );
    assert_eq!(
        map.action(Context::Confirm, key("backtab")),
        Some(Action::PreviousButton)
    );
}

#[test]
fn nothing_in_the_default_keymap_needs_alt_or_a_multiplexer_prefix() {
    let map = defaults();
    // tmux's and screen's default prefixes never reach the application.
    let prefixes = [key("ctrl-b"), key("ctrl-a")];
    for &context in Context::ALL {
        let bindings = map.bindings(context);
        assert!(bindings.iter().all(|(k, _)| !k.uses_alt()), "{context}");
        for (_, action) in &bindings {
            assert!(
                bindings
                    .iter()
                    .any(|(k, a)| a == action && !prefixes.contains(k)),
                "[{context}] {action} is reachable only through a multiplexer prefix"
            );
        }
    }
}

#[test]
fn text_entry_contexts_keep_typed_keys_as_text() {
    let map = defaults();
    for context in [Context::Filter, Context::Command, Context::ConfirmTyped] {
        assert!(context.is_text_entry());
        for name in ["q", "?", "1", "p", "space", "backspace", "left", "home"] {
            assert_eq!(map.action(context, key(name)), None, "[{context}] {name}");
        }
        assert_eq!(map.action(context, key("ctrl-c")), Some(Action::Quit));
        assert_eq!(map.action(context, key("ctrl-l")), Some(Action::Redraw));
    }
    assert_eq!(
        map.action(Context::Filter, key("esc")),
        Some(Action::ClearFilter)
    );
    assert_eq!(
        map.action(Context::Filter, key("enter")),
        Some(Action::ApplyFilter)
    );
    assert_eq!(
        map.action(Context::Command, key("enter")),
        Some(Action::RunCommand)
    );
    assert_eq!(
        map.action(Context::ConfirmTyped, key("esc")),
        Some(Action::Cancel)
    );
    assert!(!Context::Queue.is_text_entry());
    assert!(!Context::Confirm.is_text_entry());
}

#[test]
fn a_user_file_changes_one_key_and_keeps_the_rest() {
    let (result, _, _dir) = with_user_file("[queue]\n\"j\" = \"page-down\"\n");
    let map = result.unwrap_or_else(|e| panic!("{e}"));
    let default = defaults();
    assert_eq!(map.action(Context::Queue, key("j")), Some(Action::PageDown));
    assert_eq!(map.action(Context::Queue, key("k")), Some(Action::Up));
    assert_eq!(
        map.action(Context::Detail, key("j")),
        Some(Action::ScrollDown)
    );
    for &context in Context::ALL {
        let mut expected = default.bindings(context);
        if context == Context::Queue {
            for binding in &mut expected {
                if binding.0 == key("j") {
                    binding.1 = Action::PageDown;
                }
            }
            expected.sort_by_key(|(_, action)| *action);
        }
        assert_eq!(map.bindings(context), expected, "[{context}]");
    }
}

#[test]
fn none_or_an_empty_string_unbinds() {
    let (result, _, _dir) =
        with_user_file("[queue]\n\"s\" = \"none\"\n\"r\" = \"\"\n[global]\n\"p\" = \"none\"\n");
    let map = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(map.action(Context::Queue, key("s")), None);
    assert_eq!(map.action(Context::Queue, key("r")), None);
    assert_eq!(map.action(Context::Queue, key("p")), None);
    assert_eq!(map.action(Context::Detail, key("r")), Some(Action::Resync));
}

#[test]
fn two_keys_may_share_an_action_and_another_spelling_of_a_key_replaces_it() {
    let (result, _, _dir) =
        with_user_file("[queue]\n\"shift-g\" = \"top\"\n\"space\" = \"page-down\"\n");
    let map = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(map.action(Context::Queue, key("G")), Some(Action::Top));
    assert_eq!(map.action(Context::Queue, key(" ")), Some(Action::PageDown));
    assert_eq!(
        map.action(Context::Queue, key("pgdown")),
        Some(Action::PageDown)
    );
}

#[test]
fn a_key_in_a_context_and_in_global_is_one_error_naming_both() {
    let (error, message, path) = user_error("[queue]\n\"p\" = \"sort\"\n");
    assert!(matches!(
        error,
        KeymapError::GlobalClash {
            context: Context::Queue,
            action: Action::Sort,
            global_action: Action::Pause,
            ..
        }
    ));
    for part in [
        format!("({path} line 2)"),
        "[queue] \"p\" = \"sort\"".to_string(),
        "[global] \"p\" = \"pause\" (built-in keymap.toml line".to_string(),
        "\"override:sort\" in [queue]".to_string(),
    ] {
        assert!(message.contains(&part), "{part:?} missing from: {message}");
    }

    let (error, message, path) = user_error("[global]\n\"j\" = \"pause\"\n");
    assert!(matches!(
        error,
        KeymapError::GlobalClash {
            context: Context::Queue,
            ..
        }
    ));
    assert!(
        message.contains(&format!("[global] \"j\" = \"pause\" ({path} line 2)")),
        "{message}"
    );
}

#[test]
fn override_lets_a_context_win_over_global() {
    let (result, _, _dir) = with_user_file("[queue]\n\"p\" = \"override:sort\"\n");
    let map = result.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(map.action(Context::Queue, key("p")), Some(Action::Sort));
    assert_eq!(map.action(Context::Detail, key("p")), Some(Action::Pause));
}

#[test]
fn an_unknown_action_is_named_with_its_place() {
    let (error, message, path) = user_error("[queue]\n\"x\" = \"fly\"\n");
    assert!(matches!(
        error,
        KeymapError::Entry { context: Context::Queue, problem: EntryProblem::UnknownAction(ref a), .. } if a == "fly"
    ));
    assert!(
        message.starts_with(&format!(
            "keymap {path} line 2: [queue] \"x\": \"fly\" is not an action"
        )),
        "{message}"
    );
    assert!(
        message.contains("page-down"),
        "lists the actions: {message}"
    );
}

#[test]
fn a_bad_key_name_is_named_with_its_place() {
    for name in ["jj", "f13", "ctrl-", "ctrl-ctrl-x", "shift-/", "hyper-x"] {
        let (error, message, path) = user_error(&format!("[detail]\n\"{name}\" = \"top\"\n"));
        assert!(
            matches!(
                error,
                KeymapError::Entry {
                    problem: EntryProblem::BadKey(_),
                    ..
                }
            ),
            "{name}: {message}"
        );
        assert!(
            message.starts_with(&format!(
                "keymap {path} line 2: [detail] \"{name}\": bad key name: "
            )),
            "{message}"
        );
    }
}

#[test]
fn an_unknown_context_is_named_with_its_place() {
    let (error, message, path) = user_error("# mine\n\n[queeu]\n\"j\" = \"down\"\n");
    assert!(matches!(error, KeymapError::UnknownContext { ref context, .. } if context == "queeu"));
    assert!(
        message.starts_with(&format!("keymap {path} line 3: [queeu] is not a context")),
        "{message}"
    );
    assert!(
        message.contains("confirm-typed"),
        "lists the contexts: {message}"
    );
}

#[test]
fn a_toml_duplicate_key_is_reported_with_file_and_line() {
    let (error, message, path) = user_error("[queue]\n\"j\" = \"down\"\n\"j\" = \"up\"\n");
    assert!(
        matches!(error, KeymapError::Syntax { line: Some(3), .. }),
        "{message}"
    );
    assert!(
        message.starts_with(&format!("keymap {path} line 3: ")),
        "{message}"
    );
    assert!(message.contains("duplicate key"), "{message}");
}

#[test]
fn two_spellings_of_one_key_in_a_table_are_refused() {
    let (error, message, _) = user_error("[queue]\n\"G\" = \"top\"\n\"shift-g\" = \"bottom\"\n");
    assert!(matches!(
        error,
        KeymapError::Entry {
            problem: EntryProblem::SameKeyTwice { line: 2, .. },
            ..
        }
    ));
    assert!(
        message.contains("line 3: [queue] \"shift-g\": the same key as \"G\" on line 2"),
        "{message}"
    );
}

#[test]
fn other_mistakes_are_each_one_clear_line() {
    let cases = [
        (
            "[filter]\n\"x\" = \"apply-filter\"\n",
            EntryProblem::TextKey,
        ),
        ("[queue]\n\"j\" = 1\n", EntryProblem::NotAString),
        (
            "[global]\n\"x\" = \"override:sort\"\n",
            EntryProblem::OverrideInGlobal,
        ),
        (
            "[queue]\n\"x\" = \"override:none\"\n",
            EntryProblem::OverrideNothing,
        ),
    ];
    for (text, expected) in cases {
        let (error, message, path) = user_error(text);
        match error {
            KeymapError::Entry { problem, .. } => assert_eq!(problem, expected, "{message}"),
            other => panic!("{text:?}: {other}"),
        }
        assert!(
            message.starts_with(&format!("keymap {path} line 2: [")),
            "{message}"
        );
    }
    let (error, message, path) = user_error("help = \"?\"\n");
    assert!(
        matches!(error, KeymapError::Syntax { line: Some(1), .. }),
        "{message}"
    );
    assert!(
        message.starts_with(&format!("keymap {path} line 1: ")),
        "{message}"
    );
    assert!(message.contains("context table"), "{message}");
}

#[test]
fn a_missing_user_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    let error = Keymap::load(Some(&path)).expect_err("missing file");
    assert!(matches!(error, KeymapError::Read { .. }));
    assert!(error
        .to_string()
        .starts_with(&format!("keymap {}: cannot read it", path.display())));
}

fn event(code: KeyCode, modifiers: KeyModifiers, kind: KeyEventKind) -> Option<Key> {
    Key::from_event(&KeyEvent::new_with_kind(code, modifiers, kind))
}

fn press(code: KeyCode, modifiers: KeyModifiers) -> Option<Key> {
    event(code, modifiers, KeyEventKind::Press)
}

#[test]
fn only_presses_count() {
    let j = KeyCode::Char('j');
    assert_eq!(press(j, KeyModifiers::NONE), Some(key("j")));
    assert_eq!(
        event(j, KeyModifiers::NONE, KeyEventKind::Repeat),
        Some(key("j"))
    );
    assert_eq!(event(j, KeyModifiers::NONE, KeyEventKind::Release), None);
}

#[test]
fn crossterm_events_become_the_keys_their_names_say() {
    let shift = KeyModifiers::SHIFT;
    let ctrl = KeyModifiers::CONTROL;
    let cases = [
        (press(KeyCode::Char('G'), shift), "G"),
        (press(KeyCode::Char('g'), shift), "G"),
        (press(KeyCode::Char('G'), KeyModifiers::NONE), "G"),
        (press(KeyCode::Char('?'), shift), "?"),
        (press(KeyCode::Char('l'), ctrl), "ctrl-l"),
        (press(KeyCode::Char('L'), ctrl | shift), "ctrl-l"),
        (press(KeyCode::Char(' '), KeyModifiers::NONE), "space"),
        (press(KeyCode::BackTab, shift), "backtab"),
        (press(KeyCode::Tab, shift), "backtab"),
        (press(KeyCode::Tab, KeyModifiers::NONE), "tab"),
        (press(KeyCode::Esc, KeyModifiers::NONE), "esc"),
        (press(KeyCode::Enter, KeyModifiers::NONE), "enter"),
        (press(KeyCode::PageDown, KeyModifiers::NONE), "pgdown"),
        (press(KeyCode::Up, shift), "shift-up"),
        (press(KeyCode::F(5), KeyModifiers::NONE), "f5"),
        (press(KeyCode::Char('x'), KeyModifiers::ALT), "alt-x"),
    ];
    for (got, name) in cases {
        assert_eq!(got, Some(key(name)), "{name}");
        assert_eq!(got.unwrap().to_string(), name);
    }
    assert_eq!(press(KeyCode::Char('j'), KeyModifiers::SUPER), None);
    assert_eq!(press(KeyCode::CapsLock, KeyModifiers::NONE), None);
    assert_eq!(press(KeyCode::F(20), KeyModifiers::NONE), None);

    let map = defaults();
    let ctrl_l = press(KeyCode::Char('l'), ctrl).unwrap();
    assert_eq!(map.action(Context::Queue, ctrl_l), Some(Action::Redraw));
    let shift_g = press(KeyCode::Char('G'), shift).unwrap();
    assert_eq!(map.action(Context::Queue, shift_g), Some(Action::Bottom));
}

#[test]
fn key_names_parse_to_one_form_and_display_canonically() {
    for (name, shown) in [
        ("j", "j"),
        ("G", "G"),
        ("shift-g", "G"),
        (" ", "space"),
        ("SPACE", "space"),
        ("Enter", "enter"),
        ("return", "enter"),
        ("escape", "esc"),
        ("pagedown", "pgdown"),
        ("pgdn", "pgdown"),
        ("pageup", "pgup"),
        ("shift-tab", "backtab"),
        ("Ctrl-L", "ctrl-l"),
        ("ctrl-alt-x", "ctrl-alt-x"),
        ("alt-ctrl-x", "ctrl-alt-x"),
        ("ctrl--", "ctrl--"),
        ("-", "-"),
        ("f1", "f1"),
        ("F12", "f12"),
        ("del", "delete"),
    ] {
        assert_eq!(key(name).to_string(), shown, "{name}");
        assert_eq!(key(shown), key(name), "{shown} reads back");
    }
    for bad in ["", "jk", "f0", "f13", "ctrl-", "shift-1", "alt-alt-x", "\t"] {
        assert!(bad.parse::<Key>().is_err(), "{bad:?}");
    }
}

#[test]
fn bindings_are_in_action_order_then_file_order() {
    let map = defaults();
    let names = |context| {
        map.bindings(context)
            .into_iter()
            .map(|(k, a)| format!("{k}={a}"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(Context::Queue),
        [
            "j=down",
            "down=down",
            "k=up",
            "up=up",
            "g=top",
            "home=top",
            "G=bottom",
            "end=bottom",
            "pgdown=page-down",
            "ctrl-f=page-down",
            "pgup=page-up",
            "ctrl-b=page-up",
            "enter=open",
            "/=filter",
            "s=sort",
            "r=resync",
            "a=act",
            "v=reroute",
        ]
    );
    assert_eq!(
        names(Context::Global),
        [
            "?=help",
            ":=command",
            "q=back",
            "esc=back",
            "ctrl-c=quit",
            "ctrl-l=redraw",
            "tab=next-pane",
            "backtab=previous-pane",
            "1=queue-overdue",
            "2=queue-informational",
            "3=queue-blocked",
            "p=pause",
        ]
    );
    for &context in Context::ALL {
        assert_eq!(
            map.bindings(context),
            defaults().bindings(context),
            "[{context}]"
        );
    }
}

#[test]
fn read_only_drops_every_backend_changing_action() {
    let map = defaults().read_only();
    assert_eq!(map.action(Context::Queue, key("r")), None);
    assert_eq!(map.action(Context::Detail, key("r")), None);
    assert_eq!(map.action(Context::Detail, key("R")), None);
    assert_eq!(map.action(Context::Queue, key("j")), Some(Action::Down));
    for &context in Context::ALL {
        assert!(map
            .bindings(context)
            .iter()
            .all(|(_, a)| !a.changes_backend()));
    }
    assert!(Action::Resync.changes_backend());
    assert!(Action::ResyncChoose.changes_backend());
    assert_eq!(map.action(Context::Reroute, key("enter")), None);
    assert_eq!(map.action(Context::Reroute, key("x")), None);
    assert_eq!(map.action(Context::Queue, key("v")), Some(Action::Reroute));
    assert!(!Action::Open.changes_backend());
    assert!(!Action::Reroute.changes_backend());
}

#[test]
fn action_and_context_names_never_change() {
    let actions: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
    assert_eq!(
        actions,
        [
            "help",
            "command",
            "back",
            "quit",
            "redraw",
            "next-pane",
            "previous-pane",
            "queue-overdue",
            "queue-informational",
            "queue-blocked",
            "pause",
            "down",
            "up",
            "top",
            "bottom",
            "page-down",
            "page-up",
            "scroll-down",
            "scroll-up",
            "open",
            "filter",
            "sort",
            "resync",
            "resync-choose",
            "act",
            "apply-filter",
            "clear-filter",
            "run-command",
            "next-button",
            "previous-button",
            "press-button",
            "cancel",
            "reroute",
            "approve",
            "reject",
        ]
    );
    for &action in Action::ALL {
        assert_eq!(action.name().parse::<Action>(), Ok(action));
        assert!(!action.description().is_empty());
    }
    let contexts: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        contexts,
        [
            "global",
            "queue",
            "detail",
            "filter",
            "command",
            "confirm",
            "confirm-typed",
            "help",
            "reroute"
        ]
    );
}
