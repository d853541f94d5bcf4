//! What the playground's chats hold: every message the bot sent (or edited) and what the test
//! player wrote, with keyboards and pictures, for the page to show.

use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Messages kept per chat.
const KEPT: usize = 200;
/// Pictures kept (uploads from the story), by the file id the playground gave them.
const PICTURES: usize = 200;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Button {
    pub text: String,
    /// Callback data, for a button that answers in the chat.
    pub data: Option<String>,
    /// A link, for a button that opens a page.
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChatMessage {
    pub id: i64,
    /// Written by the test player, not the bot.
    pub mine: bool,
    /// Telegram HTML as the bot sent it (the page shows it through an allow-list).
    pub html: String,
    pub keyboard: Vec<Vec<Button>>,
    pub picture: Option<String>,
    /// Bumped on every edit, so the page knows to redraw the message.
    pub version: u64,
}

#[derive(Default)]
struct Chat {
    messages: VecDeque<ChatMessage>,
    next_id: i64,
    /// The last button answer's text (Telegram's toast).
    toast: Option<String>,
}

#[derive(Default)]
struct Inner {
    chats: HashMap<i64, Chat>,
    pictures: VecDeque<(String, Arc<Vec<u8>>)>,
    next_picture: u64,
    version: u64,
}

#[derive(Clone, Default)]
pub struct Chats(Arc<Mutex<Inner>>);

/// A chat as the page asks for it.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub messages: Vec<ChatMessage>,
    pub toast: Option<String>,
    /// Changes whenever anything in any chat changes.
    pub version: u64,
}

impl Chats {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Add a message; returns its id.
    pub fn add(
        &self,
        chat_id: i64,
        mine: bool,
        html: String,
        keyboard: Vec<Vec<Button>>,
        picture: Option<String>,
    ) -> i64 {
        self.with(|inner| {
            inner.version += 1;
            let version = inner.version;
            let chat = inner.chats.entry(chat_id).or_default();
            chat.next_id += 1;
            let id = chat.next_id;
            chat.messages.push_back(ChatMessage { id, mine, html, keyboard, picture, version });
            while chat.messages.len() > KEPT {
                chat.messages.pop_front();
            }
            id
        })
    }

    /// Change a message's text and/or keyboard; `false` when there is no such message.
    pub fn edit(&self, chat_id: i64, id: i64, html: Option<String>, keyboard: Vec<Vec<Button>>) -> bool {
        self.with(|inner| {
            inner.version += 1;
            let version = inner.version;
            let Some(m) = inner.chats.get_mut(&chat_id).and_then(|c| c.messages.iter_mut().find(|m| m.id == id)) else {
                return false;
            };
            if let Some(html) = html {
                m.html = html;
            }
            m.keyboard = keyboard;
            m.version = version;
            true
        })
    }

    pub fn delete(&self, chat_id: i64, id: i64) -> bool {
        self.with(|inner| {
            inner.version += 1;
            let Some(chat) = inner.chats.get_mut(&chat_id) else { return false };
            let before = chat.messages.len();
            chat.messages.retain(|m| m.id != id);
            chat.messages.len() < before
        })
    }

    pub fn toast(&self, chat_id: i64, text: Option<String>) {
        self.with(|inner| {
            inner.version += 1;
            inner.chats.entry(chat_id).or_default().toast = text;
        });
    }

    /// The keyboard of a message, to check a pressed button is really there.
    pub fn button(&self, chat_id: i64, id: i64, data: &str) -> bool {
        self.with(|inner| {
            inner
                .chats
                .get(&chat_id)
                .and_then(|c| c.messages.iter().find(|m| m.id == id))
                .is_some_and(|m| m.keyboard.iter().flatten().any(|b| b.data.as_deref() == Some(data)))
        })
    }

    pub fn snapshot(&self, chat_id: i64) -> Snapshot {
        self.with(|inner| {
            let version = inner.version;
            match inner.chats.get_mut(&chat_id) {
                Some(chat) => {
                    Snapshot { messages: chat.messages.iter().cloned().collect(), toast: chat.toast.take(), version }
                }
                None => Snapshot { messages: Vec::new(), toast: None, version },
            }
        })
    }

    pub fn clear(&self, chat_id: i64) {
        self.with(|inner| {
            inner.version += 1;
            inner.chats.remove(&chat_id);
        });
    }

    /// Keep an uploaded picture; returns the file id it is known by.
    pub fn keep_picture(&self, bytes: Vec<u8>) -> String {
        self.with(|inner| {
            inner.next_picture += 1;
            let id = format!("playground-{}-{:08x}", inner.next_picture, rand::random::<u32>());
            inner.pictures.push_back((id.clone(), Arc::new(bytes)));
            while inner.pictures.len() > PICTURES {
                inner.pictures.pop_front();
            }
            id
        })
    }

    pub fn picture(&self, id: &str) -> Option<Arc<Vec<u8>>> {
        self.with(|inner| inner.pictures.iter().find(|(p, _)| p == id).map(|(_, bytes)| bytes.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_added_edited_deleted_and_kept_per_chat() {
        let chats = Chats::default();
        let button = Button { text: "Sí".into(), data: Some("1:m".into()), url: None };
        let first = chats.add(7, false, "<b>Hola</b>".into(), vec![vec![button]], None);
        let second = chats.add(7, true, "hola".into(), Vec::new(), None);
        assert_eq!((first, second), (1, 2));
        assert!(chats.button(7, first, "1:m") && !chats.button(7, first, "1:x") && !chats.button(8, first, "1:m"));
        assert!(chats.edit(7, first, Some("Adiós".into()), Vec::new()));
        assert!(!chats.button(7, first, "1:m"), "the edit took the keyboard away");
        assert!(chats.delete(7, second));
        let snapshot = chats.snapshot(7);
        assert_eq!(snapshot.messages.len(), 1);
        assert_eq!(snapshot.messages[0].html, "Adiós");
        assert!(chats.snapshot(8).messages.is_empty());
        chats.toast(7, Some("ok".into()));
        assert_eq!(chats.snapshot(7).toast.as_deref(), Some("ok"));
        assert_eq!(chats.snapshot(7).toast, None, "a toast shows once");
        for i in 0..250 {
            chats.add(9, false, i.to_string(), Vec::new(), None);
        }
        assert_eq!(chats.snapshot(9).messages.len(), KEPT);
        let picture = chats.keep_picture(vec![1, 2, 3]);
        assert_eq!(chats.picture(&picture).as_deref(), Some(&vec![1, 2, 3]));
        assert!(chats.picture("nope").is_none());
    }
}
