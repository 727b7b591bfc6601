//! Keystrokes: parsed from the names `keymap.toml` uses, and read from
//! crossterm's key events, meeting in one normalised form so that a name and
//! the key it names compare equal.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One keystroke: a key plus ctrl, alt and (for named keys) shift.
///
/// Shift never accompanies a character: shift-g is the key "G", and "?" is
/// already what shift types. Ctrl with a letter ignores case, as terminals
/// send the same byte for ctrl-l and ctrl-shift-l.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    code: Code,
    ctrl: bool,
    alt: bool,
    shift: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Code {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    F(u8),
}

/// Names of the keys that are not one character, aliases included; `Display`
/// writes the first of each.
const NAMES: &[(&str, Code)] = &[
    ("space", Code::Char(' ')),
    ("enter", Code::Enter),
    ("return", Code::Enter),
    ("esc", Code::Esc),
    ("escape", Code::Esc),
    ("tab", Code::Tab),
    ("backtab", Code::BackTab),
    ("backspace", Code::Backspace),
    ("delete", Code::Delete),
    ("del", Code::Delete),
    ("insert", Code::Insert),
    ("ins", Code::Insert),
    ("up", Code::Up),
    ("down", Code::Down),
    ("left", Code::Left),
    ("right", Code::Right),
    ("pgup", Code::PageUp),
    ("pageup", Code::PageUp),
    ("pgdown", Code::PageDown),
    ("pgdn", Code::PageDown),
    ("pagedown", Code::PageDown),
    ("home", Code::Home),
    ("end", Code::End),
];

/// Function keys beyond these are rare on real keyboards and terminals.
const MAX_F: u8 = 12;

impl Key {
    /// The keystroke a terminal event stands for, or `None` for events that
    /// are not keystrokes an operator meant: releases (which Windows and the
    /// kitty protocol report), keys held with super/hyper/meta, lone
    /// modifiers and media keys. An auto-repeat counts, so holding `j` keeps
    /// moving down as it does in a terminal without the kitty protocol.
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        if !matches!(event.kind, KeyEventKind::Press | KeyEventKind::Repeat) {
            return None;
        }
        let mods = event.modifiers;
        if mods.intersects(KeyModifiers::SUPER | KeyModifiers::HYPER | KeyModifiers::META) {
            return None;
        }
        let code = match event.code {
            KeyCode::Char(c) if c.is_control() => return None,
            // Shift is already in the character, except where a terminal sends
            // the unshifted letter with a shift flag.
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
                Code::Char(c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => Code::Char(c),
            KeyCode::Enter => Code::Enter,
            KeyCode::Esc => Code::Esc,
            KeyCode::Tab => Code::Tab,
            KeyCode::BackTab => Code::BackTab,
            KeyCode::Backspace => Code::Backspace,
            KeyCode::Delete => Code::Delete,
            KeyCode::Insert => Code::Insert,
            KeyCode::Up => Code::Up,
            KeyCode::Down => Code::Down,
            KeyCode::Left => Code::Left,
            KeyCode::Right => Code::Right,
            KeyCode::PageUp => Code::PageUp,
            KeyCode::PageDown => Code::PageDown,
            KeyCode::Home => Code::Home,
            KeyCode::End => Code::End,
            KeyCode::F(n) if (1..=MAX_F).contains(&n) => Code::F(n),
            _ => return None,
        };
        let shift = mods.contains(KeyModifiers::SHIFT) && !matches!(code, Code::Char(_));
        Some(Key::normalised(
            code,
            mods.contains(KeyModifiers::CONTROL),
            mods.contains(KeyModifiers::ALT),
            shift,
        ))
    }

    /// Whether, in a context that takes typed text, the key edits the text
    /// rather than doing an action.
    pub fn is_text_editing(self) -> bool {
        !self.ctrl
            && !self.alt
            && !self.shift
            && matches!(
                self.code,
                Code::Char(_)
                    | Code::Backspace
                    | Code::Delete
                    | Code::Left
                    | Code::Right
                    | Code::Home
                    | Code::End
            )
    }

    /// Whether alt is part of the keystroke; nothing essential may need it,
    /// since many terminals and SSH clients eat it.
    pub fn uses_alt(self) -> bool {
        self.alt
    }

    /// The one place the invariants are applied, so parsed and received keys
    /// compare equal.
    fn normalised(code: Code, ctrl: bool, alt: bool, shift: bool) -> Key {
        let (code, shift) = match code {
            Code::Char(c) if ctrl => (Code::Char(c.to_ascii_lowercase()), false),
            Code::Tab if shift => (Code::BackTab, false),
            Code::BackTab => (Code::BackTab, false),
            code => (code, shift),
        };
        Key {
            code,
            ctrl,
            alt,
            shift,
        }
    }
}

impl FromStr for Key {
    type Err = String;

    /// Parses "j", "G", "?", "enter", "pgdown", "f5", "ctrl-l", "alt-x",
    /// "shift-up"; the error says what is wrong with the name.
    fn from_str(name: &str) -> Result<Key, String> {
        let mut modifiers = [("ctrl", false), ("alt", false), ("shift", false)];
        let mut rest = name;
        while let Some((modifier, after)) = rest.split_once('-') {
            let Some(slot) = modifiers
                .iter_mut()
                .find(|(known, _)| modifier.eq_ignore_ascii_case(known))
            else {
                break;
            };
            if after.is_empty() {
                return Err(format!("nothing follows \"{modifier}-\""));
            }
            if slot.1 {
                return Err(format!("{modifier} is given twice"));
            }
            slot.1 = true;
            rest = after;
        }
        let [(_, ctrl), (_, alt), (_, mut shift)] = modifiers;

        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err("the key name is empty".to_string()),
            (Some(c), None) if c.is_control() => {
                return Err(
                    "a control character is not a key name; write e.g. \"ctrl-l\"".to_string(),
                )
            }
            (Some(c), None) => Code::Char(c),
            _ => named_code(rest)?,
        };
        let code = match code {
            Code::Char(c) if shift && c.is_ascii_alphabetic() => {
                shift = false;
                Code::Char(c.to_ascii_uppercase())
            }
            Code::Char(c) if shift => {
                return Err(format!(
                    "shift with {c:?}: write the character shift types instead, e.g. \"?\""
                ))
            }
            code => code,
        };
        Ok(Key::normalised(code, ctrl, alt, shift))
    }
}

fn named_code(name: &str) -> Result<Code, String> {
    let lower = name.to_ascii_lowercase();
    if let Some((_, code)) = NAMES.iter().find(|(n, _)| *n == lower) {
        return Ok(*code);
    }
    if let Some(number) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        return if (1..=MAX_F).contains(&number) {
            Ok(Code::F(number))
        } else {
            Err(format!("function keys go from f1 to f{MAX_F}"))
        };
    }
    Err(format!(
        "use one character, \"ctrl-\"/\"alt-\"/\"shift-\" before a key, f1 to f{MAX_F}, or one of {}",
        NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    ))
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (on, prefix) in [
            (self.ctrl, "ctrl-"),
            (self.alt, "alt-"),
            (self.shift, "shift-"),
        ] {
            if on {
                f.write_str(prefix)?;
            }
        }
        let name = match self.code {
            Code::Char(' ') => "space",
            Code::Char(c) => return write!(f, "{c}"),
            Code::F(n) => return write!(f, "f{n}"),
            Code::Enter => "enter",
            Code::Esc => "esc",
            Code::Tab => "tab",
            Code::BackTab => "backtab",
            Code::Backspace => "backspace",
            Code::Delete => "delete",
            Code::Insert => "insert",
            Code::Up => "up",
            Code::Down => "down",
            Code::Left => "left",
            Code::Right => "right",
            Code::PageUp => "pgup",
            Code::PageDown => "pgdown",
            Code::Home => "home",
            Code::End => "end",
        };
        f.write_str(name)
    }
}
