//! Story pictures (`# imagen:<asset>`): the file in the story's `images/` folder is uploaded
//! the first time, and Telegram's `file_id` for it is kept in `media_files` and in memory, so
//! every later send is by id. A picture that is missing is logged and skipped: the scene's text
//! still goes out.

use super::api::{CallFailure, TelegramApi};
use diana_actors::metrics::count_error;
use diana_actors::store::{self, Pool};
use diana_actors::story::StoryShelf;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use teloxide::prelude::Requester;
use teloxide::types::{ChatId, InputFile};

const EXTENSIONS: [&str; 3] = ["jpg", "png", "webp"];

#[derive(Clone)]
pub struct StoryMedia {
    pool: Pool,
    shelf: StoryShelf,
    known: Arc<Mutex<HashMap<(String, String), String>>>,
}

fn digest(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

impl StoryMedia {
    pub fn new(pool: Pool, shelf: StoryShelf) -> StoryMedia {
        StoryMedia { pool, shelf, known: Arc::default() }
    }

    fn find(&self, asset: &str) -> Option<PathBuf> {
        let dir = self.shelf.current()?.images_dir.clone();
        EXTENSIONS.iter().map(|ext| dir.join(format!("{asset}.{ext}"))).find(|p| p.is_file())
    }

    pub async fn send_photo(&self, api: &TelegramApi, chat: ChatId, asset: &str) -> Result<(), CallFailure> {
        let Some(path) = self.find(asset) else {
            count_error("story_image_missing");
            tracing::error!(asset, "story picture not found; skipped");
            return Ok(());
        };
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(error) => {
                count_error("story_image_missing");
                tracing::error!(asset, %error, "story picture unreadable; skipped");
                return Ok(());
            }
        };
        let key = (asset.to_owned(), digest(&bytes));
        let cached = self.known.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
        let cached = match cached {
            Some(id) => Some(id),
            None => store::media::file_id(&self.pool, &key.0, &key.1).await.ok().flatten(),
        };
        if let Some(file_id) = cached {
            match api.call("sendPhoto", api.bot.send_photo(chat, InputFile::file_id(file_id.into()))).await {
                Ok(_) => return Ok(()),
                // A file_id Telegram no longer knows: forget it and upload again.
                Err(CallFailure::Rejected(reason)) => {
                    tracing::warn!(asset, %reason, "cached file_id refused; uploading the picture again");
                    self.known.lock().unwrap_or_else(|p| p.into_inner()).remove(&key);
                    let _ = store::media::forget(&self.pool, &key.0, &key.1).await;
                }
                Err(other) => return Err(other),
            }
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| asset.to_owned());
        let sent = api.call("sendPhoto", api.bot.send_photo(chat, InputFile::memory(bytes).file_name(name))).await?;
        if let Some(file_id) = sent.photo().and_then(|sizes| sizes.last()).map(|p| p.file.id.to_string()) {
            if let Err(error) = store::media::remember(&self.pool, &key.0, &key.1, &file_id).await {
                count_error("media_cache");
                tracing::warn!(asset, %error, "could not keep the picture's file_id");
            }
            self.known.lock().unwrap_or_else(|p| p.into_inner()).insert(key, file_id);
        }
        Ok(())
    }
}
