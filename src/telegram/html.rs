//! Telegram HTML: the one place where user-supplied or content text is escaped.

/// Escape text for Telegram's HTML parse mode.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Cut user-supplied text to `max_chars` characters, marking the cut, before escaping it.
/// Names are short in Telegram, but nothing from outside gets to decide a message's length.
pub fn clip(text: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => text.into(),
        Some((byte, _)) => format!("{}…", &text[..byte]).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(escape(r#"<b>Ana</b> & "Co""#), "&lt;b&gt;Ana&lt;/b&gt; &amp; &quot;Co&quot;");
        assert_eq!(escape("Diana 💋"), "Diana 💋");
    }

    #[test]
    fn clips_on_character_boundaries() {
        assert_eq!(clip("ñandú", 3), "ñan…");
        assert_eq!(clip("Ana", 3), "Ana");
    }

    proptest! {
        #[test]
        fn escaped_text_has_no_raw_markup(s in ".{0,200}") {
            let e = escape(&s);
            prop_assert!(!e.contains('<') && !e.contains('>') && !e.contains('"'));
            // Every & starts one of our entities.
            for (i, _) in e.match_indices('&') {
                let rest = &e[i..];
                prop_assert!(["&lt;", "&gt;", "&amp;", "&quot;"].iter().any(|x| rest.starts_with(x)));
            }
        }
    }
}
