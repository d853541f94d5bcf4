//! Telegram HTML: the one place where user-supplied or content text is escaped, and Telegram's
//! rules for it (only its tags, properly nested; only its entities; no bare `<`, `>` or `&`),
//! which the test stand-in and the load tester enforce as Telegram would.

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

/// Tags Telegram accepts in HTML parse mode.
const TAGS: &[&str] = &[
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
];

/// The visible length of valid Telegram HTML, or the reason Telegram would refuse it.
pub fn visible_len(text: &str) -> Result<usize, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut visible = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or("Unclosed start tag")?;
                let inner = &rest[1..end];
                let (closing, body) = match inner.strip_prefix('/') {
                    Some(b) => (true, b),
                    None => (false, inner),
                };
                let name = body.split_whitespace().next().unwrap_or("").to_ascii_lowercase();
                if !TAGS.contains(&name.as_str()) {
                    return Err(format!("Unsupported start tag \"{name}\""));
                }
                if closing {
                    if stack.pop().as_deref() != Some(name.as_str()) {
                        return Err(format!("Unmatched end tag \"{name}\""));
                    }
                } else {
                    stack.push(name);
                }
                rest = &rest[end + 1..];
            }
            '>' => return Err("Unescaped '>'".into()),
            '&' => {
                let end = rest.find(';').filter(|e| *e <= 10).ok_or("Unsupported entity: bare '&'")?;
                let entity = &rest[1..end];
                let ok = matches!(entity, "lt" | "gt" | "amp" | "quot")
                    || entity.strip_prefix('#').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    return Err(format!("Unsupported entity \"&{entity};\""));
                }
                visible += 1;
                rest = &rest[end + 1..];
            }
            c => {
                visible += 1;
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("Unclosed tag \"{open}\""));
    }
    Ok(visible)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_checker_refuses_what_telegram_refuses() {
        assert_eq!(visible_len("<b>Hola</b> &amp; adiós"), Ok(12));
        assert!(visible_len("<b>Ana</b> & Co").is_err());
        assert!(visible_len("<b>Ana").is_err());
        assert!(visible_len("<script>x</script>").is_err());
        assert!(visible_len("a > b").is_err());
        assert!(visible_len("<b><i>x</b></i>").is_err());
        assert!(visible_len("&nbsp;").is_err());
    }

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
