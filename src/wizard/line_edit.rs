//! The line being typed at a prompt, and what each key does to it: the usual terminal
//! line-editing keys (Ctrl-U, Ctrl-W, Ctrl-K, Ctrl-A, Ctrl-E, Backspace, Delete, arrows, Home,
//! End), and never a control key inserted as a letter.
//!
//! Why our own: inquire 0.9 turns every `Char` key into a letter whatever its modifiers, so
//! Ctrl-U after a bad paste typed a `u` into the hidden token ("wrongpaste" Ctrl-U <token>
//! stored `wrongpasteu<token>`), and it offers no way to change what a key does (its input
//! backend is private). This is the pure part, tested key by key; [`super::line_prompt`] reads
//! the keys from the terminal and draws the line.

/// A key, as the editor understands it (the terminal's key events mapped by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character (no Ctrl or Alt held).
    Char(char),
    /// Ctrl with a letter (`'u'` for Ctrl-U).
    Ctrl(char),
    /// Backspace.
    Backspace,
    /// Delete (forward).
    Delete,
    /// Left arrow.
    Left,
    /// Right arrow.
    Right,
    /// Home.
    Home,
    /// End.
    End,
    /// Enter.
    Enter,
    /// Esc.
    Escape,
    /// Anything else (function keys, Alt combinations, ...): ignored.
    Other,
}

/// What a key asks the prompt to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Keep reading (the line may have changed).
    Continue,
    /// The line is submitted (Enter).
    Submit,
    /// The question is cancelled (Esc, Ctrl-C, Ctrl-D on an empty line).
    Cancel,
}

/// The line and the cursor (an index into its characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineEditor {
    chars: Vec<char>,
    cursor: usize,
}

impl LineEditor {
    /// The line typed so far.
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// Where the cursor is, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Applies `key`.
    pub fn apply(&mut self, key: Key) -> Step {
        match key {
            Key::Char(c) if !c.is_control() => {
                self.chars.insert(self.cursor, c);
                self.cursor += 1;
            }
            Key::Enter | Key::Ctrl('m' | 'j') => return Step::Submit,
            Key::Escape | Key::Ctrl('c') => return Step::Cancel,
            Key::Ctrl('d') if self.chars.is_empty() => return Step::Cancel,
            Key::Backspace | Key::Ctrl('h') => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    self.chars.remove(self.cursor);
                }
            }
            Key::Delete | Key::Ctrl('d') => {
                if self.cursor < self.chars.len() {
                    self.chars.remove(self.cursor);
                }
            }
            Key::Ctrl('u') => {
                self.chars.drain(..self.cursor);
                self.cursor = 0;
            }
            Key::Ctrl('k') => self.chars.truncate(self.cursor),
            Key::Ctrl('w') => {
                let start = self.word_start();
                self.chars.drain(start..self.cursor);
                self.cursor = start;
            }
            Key::Home | Key::Ctrl('a') => self.cursor = 0,
            Key::End | Key::Ctrl('e') => self.cursor = self.chars.len(),
            Key::Left | Key::Ctrl('b') => self.cursor = self.cursor.saturating_sub(1),
            Key::Right | Key::Ctrl('f') => self.cursor = (self.cursor + 1).min(self.chars.len()),
            // Any other control key, or a control character, is never typed as a letter.
            Key::Char(_) | Key::Ctrl(_) | Key::Other => {}
        }
        Step::Continue
    }

    /// Where the word before the cursor starts (the spaces before it go with it), as Ctrl-W
    /// deletes in a shell.
    fn word_start(&self) -> usize {
        let before = &self.chars[..self.cursor];
        let word_end = before.iter().rposition(|c| !c.is_whitespace()).map_or(0, |at| at + 1);
        before[..word_end]
            .iter()
            .rposition(|c| c.is_whitespace())
            .map_or(0, |at| at + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &[Key]) -> LineEditor {
        let mut editor = LineEditor::default();
        for &key in keys {
            editor.apply(key);
        }
        editor
    }

    fn chars(text: &str) -> Vec<Key> {
        text.chars().map(Key::Char).collect()
    }

    #[test]
    fn ctrl_u_after_a_wrong_paste_leaves_exactly_the_token() {
        let keys: Vec<Key> = chars("wrongpaste")
            .into_iter()
            .chain([Key::Ctrl('u')])
            .chain(chars("tok_live_1"))
            .collect();
        assert_eq!(typed(&keys).text(), "tok_live_1");
    }

    #[test]
    fn no_control_key_is_ever_typed_as_a_letter() {
        let mut keys = chars("ab");
        keys.extend(['g', 'l', 'o', 'r', 't', 'v', 'x', 'y', 'z'].map(Key::Ctrl));
        keys.extend([Key::Char('\u{15}'), Key::Char('\t'), Key::Other]);
        assert_eq!(typed(&keys).text(), "ab");
    }

    #[test]
    fn line_editing_keys_do_what_a_shell_does() {
        let mut keys = chars("one two  ");
        keys.push(Key::Ctrl('w'));
        assert_eq!(typed(&keys).text(), "one ");
        let mut keys = chars("bc");
        keys.extend([Key::Ctrl('a'), Key::Char('a'), Key::Ctrl('e'), Key::Char('d')]);
        assert_eq!(typed(&keys).text(), "abcd");
        let mut keys = chars("abcd");
        keys.extend([Key::Left, Key::Left, Key::Ctrl('k')]);
        assert_eq!(typed(&keys).text(), "ab");
        let mut keys = chars("abcd");
        keys.extend([Key::Left, Key::Backspace, Key::Home, Key::Delete]);
        let editor = typed(&keys);
        assert_eq!((editor.text().as_str(), editor.cursor()), ("bd", 0));
        let mut keys = chars("ab cd");
        keys.extend([Key::Left, Key::Left, Key::Ctrl('u')]);
        assert_eq!(typed(&keys).text(), "cd");
    }

    #[test]
    fn enter_submits_and_esc_ctrl_c_or_ctrl_d_on_nothing_cancel() {
        let mut editor = LineEditor::default();
        assert_eq!(editor.apply(Key::Ctrl('d')), Step::Cancel);
        assert_eq!(editor.apply(Key::Ctrl('c')), Step::Cancel);
        assert_eq!(editor.apply(Key::Escape), Step::Cancel);
        editor.apply(Key::Char('x'));
        assert_eq!(editor.apply(Key::Ctrl('d')), Step::Continue);
        assert_eq!(editor.apply(Key::Enter), Step::Submit);
    }
}
