//! Text from backends is untrusted: a customer name or a note can carry
//! terminal escape sequences (clear screen, OSC 52 clipboard writes). Every
//! such string passes through here before it reaches a terminal.

use std::borrow::Cow;

/// Drops control characters (C0, DEL and C1, which includes ESC and CSI), so
/// any escape sequence is left as inert printable text.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        Cow::Owned(
            text.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(text)
    }
}

/// What `show` and the console's detail pane say of the other orders under
/// an order's name (two shops' files, a shop that renumbered), each given by
/// the reference `show` finds it by.
pub fn also_named_line(references: &[String]) -> Option<String> {
    let who = match references.len() {
        0 => return None,
        1 => "another order has".to_string(),
        n => format!("{n} other orders have"),
    };
    Some(format!(
        "{who} this name: {}",
        sanitize(&references.join(", "))
    ))
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn escape_sequences_become_inert() {
        assert_eq!(sanitize("Bob\u{1b}[2J"), "Bob [2J");
        assert_eq!(
            sanitize("note\u{1b}]52;c;aGVsbG8=\u{7}end"),
            "note ]52;c;aGVsbG8= end"
        );
        assert_eq!(sanitize("csi\u{9b}31m"), "csi 31m");
        assert_eq!(sanitize("plain ünïcode"), "plain ünïcode");
    }
}
