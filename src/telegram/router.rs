//! The path every update takes, whether it came by long polling or webhook: translate it,
//! deliver it to the user's actor, hand the committed replies to the outbox, and answer the
//! button. `Ok` means the update may be confirmed to Telegram.

use super::api::Apis;
use super::inbound::translate;
use super::outbox::Outbox;
use super::texts;
use crate::telemetry::{UPDATE_SECONDS, UPDATES};
use diana_actors::domain::{Action, Lang, Notice, Outgoing, Reply};
use diana_actors::metrics::count_error;
use diana_actors::user::{UpdateOutcome, UserDirectory, UserError};
use std::time::{Duration, Instant};
use teloxide::payloads::{AnswerCallbackQuerySetters, AnswerPreCheckoutQuerySetters};
use teloxide::prelude::Requester;
use teloxide::types::{CallbackQueryId, PreCheckoutQueryId, Update};
use tokio::sync::oneshot;
use tracing::Instrument;

/// Telegram shows a spinner until the button is answered; answer well inside its patience.
const CALLBACK_DEADLINE: Duration = Duration::from_millis(1500);
/// Telegram waits 10 s for a pre-checkout answer; past this, the payment is declined politely.
const PRE_CHECKOUT_DEADLINE: Duration = Duration::from_secs(8);

#[derive(Debug, thiserror::Error)]
#[error("update {update_id} was not applied; it must be delivered again")]
pub struct NotApplied {
    pub update_id: u32,
    #[source]
    pub source: UserError,
}

/// An update taken in, its button's (or pre-checkout's) answer already on the clock.
pub struct Received {
    update_id: u32,
    inbound: Option<super::inbound::Inbound>,
    answer: Option<oneshot::Sender<Option<Notice>>>,
    checkout: Option<oneshot::Sender<Option<String>>>,
    at: Instant,
}

impl Received {
    /// The user it belongs to, for keeping one user's updates in order.
    pub fn user_id(&self) -> Option<i64> {
        self.inbound.as_ref().map(|i| i.update.identity.user_id)
    }

    pub fn update_id(&self) -> u32 {
        self.update_id
    }
}

#[derive(Clone)]
pub struct UpdateRouter {
    directory: UserDirectory,
    outbox: Outbox,
    apis: Apis,
    pool: diana_actors::Pool,
    /// Who may ask for dashboard links with `/admin`, and where the links point.
    dashboard: Option<std::sync::Arc<(Vec<i64>, url::Url)>>,
}

impl UpdateRouter {
    pub fn new(directory: UserDirectory, outbox: Outbox, apis: Apis, pool: diana_actors::Pool) -> UpdateRouter {
        UpdateRouter { directory, outbox, apis, pool, dashboard: None }
    }

    /// Answer `/admin` with dashboard login links for these superadmins (and granted roles).
    pub fn with_dashboard_links(mut self, superadmins: Vec<i64>, public_url: url::Url) -> UpdateRouter {
        self.dashboard = Some(std::sync::Arc::new((superadmins, public_url)));
        self
    }

    /// `/admin`: a login link for an admin, sent straight away and never stored; anyone else
    /// hears what any unknown command gets.
    async fn admin_login(&self, user_id: i64, chat_id: i64, lang: Lang) {
        let reply = match &self.dashboard {
            Some(links) => {
                let (superadmins, public_url) = &**links;
                match crate::dashboard::auth::login_link(&self.pool, superadmins, public_url, user_id).await {
                    Ok(url) => Reply::AdminLoginLink { url: url.to_string() },
                    Err(crate::dashboard::auth::LinkError::NoRole(_)) => Reply::Unrecognised,
                    Err(crate::dashboard::auth::LinkError::TooMany(_)) => Reply::SlowDown,
                    Err(error) => {
                        count_error("admin_login_link");
                        tracing::error!(%error, "could not make a dashboard login link");
                        Reply::SomethingWentWrong
                    }
                }
            }
            None => Reply::Unrecognised,
        };
        self.outbox.send(vec![Outgoing { id: 0, chat_id, user_id: Some(user_id), lang, reply }]);
    }

    /// Receive an update: translate it and start the clock on answering its button, which
    /// must happen within Telegram's patience however long the user's queue is.
    pub fn receive(&self, update: &Update) -> Received {
        let inbound = translate(update);
        let answer = inbound.as_ref().and_then(|i| {
            let lang = Lang::from_language_code(i.update.identity.language_code.as_deref());
            i.callback_id.clone().map(|id| self.answer_callback_soon(id, i.update.chat_id, lang))
        });
        let checkout = inbound.as_ref().and_then(|i| match &i.update.action {
            Action::PreCheckout { query_id, .. } => {
                let lang = Lang::from_language_code(i.update.identity.language_code.as_deref());
                Some(self.answer_pre_checkout_soon(query_id.clone(), i.update.identity.user_id, lang))
            }
            _ => None,
        });
        Received { update_id: update.id.0, inbound, answer, checkout, at: Instant::now() }
    }

    /// Receive and apply one update.
    pub async fn route(&self, update: Update) -> Result<(), NotApplied> {
        self.apply(self.receive(&update)).await
    }

    /// Apply a received update. `Ok` means it may be confirmed to Telegram.
    pub async fn apply(&self, received: Received) -> Result<(), NotApplied> {
        let Received { update_id, inbound, answer, checkout, at: started } = received;
        let Some(inbound) = inbound else {
            UPDATES.with_label_values(&["ignored"]).inc();
            return Ok(());
        };
        let user_id = inbound.update.identity.user_id;
        let span = tracing::info_span!("update", update_id, user_id);
        async move {
            let kind = inbound.update.action.kind();
            let lang = Lang::from_language_code(inbound.update.identity.language_code.as_deref());
            let chat_id = inbound.update.chat_id;
            if inbound.update.action.is_user_initiated() || inbound.update.action == Action::UnblockedBot {
                self.outbox.reopened(chat_id);
            }
            if inbound.update.action == Action::AdminLogin {
                self.admin_login(user_id, chat_id, lang).await;
                if let Some(answer) = answer {
                    let _ = answer.send(None);
                }
                UPDATES.with_label_values(&[kind]).inc();
                return Ok(());
            }
            let result = self.directory.deliver(inbound.update).await;
            let (toast, outcome) = match result {
                Ok(UpdateOutcome::Applied { outgoing, notice }) => {
                    UPDATES.with_label_values(&[kind]).inc();
                    // The pre-checkout answer goes straight back, on its deadline, not through a chat's lane.
                    let (answers, outgoing): (Vec<_>, Vec<_>) =
                        outgoing.into_iter().partition(|o| matches!(o.reply, Reply::PreCheckoutAnswer { .. }));
                    if let (Some(checkout), Some(first)) = (checkout, answers.first()) {
                        let error = match &first.reply {
                            Reply::PreCheckoutAnswer { refusal: Some(r), .. } => {
                                Some(super::render_vip::refusal(first.lang, *r))
                            }
                            _ => None,
                        };
                        let _ = checkout.send(error);
                        self.forget(answers.iter().map(|o| o.id).collect());
                    }
                    self.outbox.send(outgoing);
                    (notice, Ok(()))
                }
                Ok(UpdateOutcome::Duplicate) => {
                    UPDATES.with_label_values(&["duplicate"]).inc();
                    tracing::debug!("duplicate update ignored");
                    (None, Ok(()))
                }
                Err(UserError::Crashed | UserError::Abandoned) => {
                    // Marked failed by the directory: confirm it, and tell the user.
                    UPDATES.with_label_values(&["failed"]).inc();
                    let sorry =
                        Outgoing { id: 0, chat_id, user_id: Some(user_id), lang, reply: Reply::SomethingWentWrong };
                    self.outbox.send(vec![sorry]);
                    (Some(Notice::SomethingWentWrong), Ok(()))
                }
                Err(error) => {
                    count_error("update_not_applied");
                    tracing::error!(error = %error, source = ?std::error::Error::source(&error), "update not applied");
                    (Some(Notice::SomethingWentWrong), Err(NotApplied { update_id, source: error }))
                }
            };
            if let Some(answer) = answer {
                let _ = answer.send(toast);
            }
            let label = if outcome.is_ok() { "ok" } else { "error" };
            UPDATE_SECONDS.with_label_values(&[label]).observe(started.elapsed().as_secs_f64());
            outcome
        }
        .instrument(span)
        .await
    }

    /// The outbox rows of answers already given here.
    fn forget(&self, ids: Vec<i64>) {
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let deleted = async { diana_actors::store::outbox::delete(&pool.get().await?, &ids).await };
            if let Err(error) = deleted.await {
                // The sweep would answer again; Telegram refuses a second answer, harmlessly.
                tracing::warn!(%error, "could not forget an answered pre-checkout");
            }
        });
    }

    /// Answer a pre-checkout with the game's verdict, or decline it at the deadline: Telegram
    /// gives up at 10 s and the player would be left wondering.
    fn answer_pre_checkout_soon(&self, id: String, user_id: i64, lang: Lang) -> oneshot::Sender<Option<String>> {
        let (tx, rx) = oneshot::channel::<Option<String>>();
        let api = self.apis.for_chat(user_id).clone();
        tokio::spawn(async move {
            let verdict = tokio::time::timeout(PRE_CHECKOUT_DEADLINE, rx).await.ok().and_then(Result::ok);
            let error = match verdict {
                Some(error) => error,
                None => {
                    count_error("pre_checkout_deadline");
                    Some(texts::get(lang, "checkout_too_slow").to_owned())
                }
            };
            let mut request = api.bot.answer_pre_checkout_query(PreCheckoutQueryId(id), error.is_none());
            if let Some(message) = error {
                request = request.error_message(message);
            }
            let _ = api.call("answerPreCheckoutQuery", request).await;
        });
        tx
    }

    /// Answer a button press with the outcome's notice, or with nothing once the deadline
    /// passes: a button is always answered, even when the action is slow or fails.
    fn answer_callback_soon(&self, id: String, chat_id: i64, lang: Lang) -> oneshot::Sender<Option<Notice>> {
        let (tx, rx) = oneshot::channel::<Option<Notice>>();
        let api = self.apis.for_chat(chat_id).clone();
        tokio::spawn(async move {
            let notice = tokio::time::timeout(CALLBACK_DEADLINE, rx).await.ok().and_then(Result::ok).flatten();
            let mut request = api.bot.answer_callback_query(CallbackQueryId(id));
            if let Some(notice) = notice {
                let key = match notice {
                    Notice::StaleButton => "toast_stale",
                    Notice::SlowDown => "toast_slow_down",
                    Notice::SomethingWentWrong => "toast_error",
                };
                request = request.text(texts::get(lang, key));
            }
            let _ = api.call("answerCallbackQuery", request).await;
        });
        tx
    }
}
