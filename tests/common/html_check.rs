//! Telegram's HTML rules, as the stand-in enforces them: only Telegram's tags, properly nested;
//! only its entities; no bare `<`, `>` or `&`; at most 4096 characters of visible text.

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
