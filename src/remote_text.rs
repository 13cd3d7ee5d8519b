//! Text a remote server wrote, made safe to show: in the terminal, in a log line, in a tool
//! error an AI client reads.
//!
//! Why: an authorization server's `error_description`, an API's error message or a gateway's
//! refusal is chosen by whoever runs that server. Raw, its escape sequences could recolour,
//! clear or retitle the user's terminal, hide text, or (on some terminals) answer back as
//! typed input; its newlines could forge a line of our own (`hint: run ...`); bidirectional
//! overrides could make it read differently from what it is. [`clean`] keeps the words and drops
//! the rest: escape sequences whole, control characters (line breaks become a space), and the
//! invisible direction marks.

/// `text` without escape sequences, control characters or bidirectional controls. Line breaks
/// and tabs become one space each, so a multi-line message stays readable on one line.
pub fn clean(text: &str) -> String {
    let mut clean = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(character) = chars.next() {
        match character {
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_control_sequence(&mut chars),
            '\n' | '\r' | '\t' => clean.push(' '),
            other if other.is_control() || is_bidi_control(other) => {}
            other => clean.push(other),
        }
    }
    clean
}

/// True for the characters that reorder text invisibly (Unicode bidirectional controls).
fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Skips what follows an ESC: a control sequence (`ESC [` … final byte), a string (`ESC ]`,
/// `ESC P`, `ESC X`, `ESC ^`, `ESC _` … BEL or `ESC \`), or the one character of a short one.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_control_sequence(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        _ => {}
    }
}

/// Skips a control sequence's parameters up to and including its final byte (`@` to `~`).
fn skip_control_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for character in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&character) {
            break;
        }
    }
}

/// Skips a control string up to and including its end (BEL, ST, or `ESC \`).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(character) = chars.next() {
        match character {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_control_characters_are_dropped_words_kept() {
        assert_eq!(clean("plain words, ünïcode ✓"), "plain words, ünïcode ✓");
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m text"), "red text");
        assert_eq!(clean("\u{1b}[2J\u{1b}[1;1Hcleared"), "cleared");
        assert_eq!(clean("\u{1b}]0;evil title\u{7}after"), "after");
        assert_eq!(clean("\u{1b}]8;;https://evil\u{1b}\\link\u{1b}]8;;\u{1b}\\"), "link");
        assert_eq!(clean("\u{1b}Pdevice string\u{1b}\\x"), "x");
        assert_eq!(clean("\u{9b}31mC1\u{7}\u{0}\u{7f}"), "C1");
        assert_eq!(clean("line one\nhint: forged\r\tend"), "line one hint: forged  end");
        assert_eq!(clean("abc\u{202e}fed\u{2066}x\u{200f}"), "abcfedx");
        assert_eq!(clean("dangling \u{1b}"), "dangling ");
    }
}
