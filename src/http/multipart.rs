//! `multipart/form-data` bodies, split into their parts with the bytes intact (pictures are
//! binary): the playground's Bot API receives uploads this way, and the dashboard story files.

/// One part of a multipart body.
pub struct Part {
    pub name: String,
    /// The file name, for a file part.
    pub file_name: Option<String>,
    pub body: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<&str> {
    content_type.split("boundary=").nth(1).map(|b| b.split(';').next().unwrap_or(b).trim().trim_matches('"'))
}

/// Split a body into its parts.
pub fn parts(body: &[u8], boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut at = match find(body, &delimiter, 0) {
        Some(i) => i + delimiter.len(),
        None => return parts,
    };
    while let Some(next) = find(body, &delimiter, at) {
        let chunk = &body[at..next];
        at = next + delimiter.len();
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let Some(split) = find(chunk, b"\r\n\r\n", 0) else { continue };
        let head = String::from_utf8_lossy(&chunk[..split]);
        let content = &chunk[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let quoted = |key: &str| head.split(key).nth(1).and_then(|s| s.split('"').next()).map(str::to_owned);
        let Some(name) = quoted("; name=\"").or_else(|| quoted(" name=\"")) else { continue };
        parts.push(Part { name, file_name: quoted("filename=\""), body: content.to_vec() });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_keep_binary_files_and_text_fields() {
        let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n".to_vec();
        body.extend(b"--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.png\"\r\n");
        body.extend(b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x00\xff\r\n--XyZ--\r\n");
        let parts = parts(&body, "XyZ");
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].file_name.as_deref(), parts[0].body.as_slice()),
            ("chat_id", None, &b"42"[..])
        );
        assert_eq!((parts[1].name.as_str(), parts[1].file_name.as_deref()), ("photo", Some("a.png")));
        assert_eq!(parts[1].body, b"\x89PNG\r\n\x00\xff");
        assert_eq!(boundary("multipart/form-data; boundary=\"XyZ\""), Some("XyZ"));
        assert_eq!(boundary("application/json"), None);
    }
}
