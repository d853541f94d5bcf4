//! `diana`: the command line. With no subcommand it serves.

use anyhow::Context;
use clap::{Parser, Subcommand};
use diana::config::Settings;
use diana::startup::{self, Application};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "diana", version, about = "Diana: a Telegram game server")]
struct Cli {
    /// A TOML file layered over the defaults (default: ./diana.toml if present).
    #[arg(long, global = true, env = "DIANA_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create the database if needed and apply migrations, then exit.
    Migrate,
    /// Story tools.
    Story {
        #[command(subcommand)]
        command: StoryCommand,
    },
    /// Admin operations on players.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The mood model: train it, score it, try it.
    Mood {
        #[command(subcommand)]
        command: MoodCommand,
    },
    /// Drive the server with simulated players and report how fast it answers, then check the
    /// database. Exits non-zero if a check fails.
    Loadtest(Box<LoadtestArgs>),
    /// The "Te puede gustar" recommender.
    Recommend {
        #[command(subcommand)]
        command: RecommendCommand,
    },
}

#[derive(clap::Args)]
struct LoadtestArgs {
    /// Distinct simulated players.
    #[arg(long, default_value_t = 1000)]
    users: usize,
    #[arg(long, default_value = "30s")]
    duration: String,
    /// Open loop: updates per second, whatever the answers.
    #[arg(long, conflicts_with = "closed_loop")]
    rate: Option<f64>,
    /// Closed loop: each player waits for the answer, then thinks.
    #[arg(long)]
    closed_loop: bool,
    #[arg(long, default_value = "2s")]
    think: String,
    /// `default`, or weights such as `story=40,daily=20,ranking=10,shop=10,menu=10,trivia=5,chat=5`.
    #[arg(long, default_value = "default")]
    mix: String,
    /// `self`: start the server against a fresh database (dropped afterwards).
    #[arg(long, default_value = "self")]
    target: String,
    /// A running server (started with TELEGRAM_API_URL pointing at --standin-addr); its
    /// database is DATABASE_URL.
    #[arg(long)]
    target_url: Option<String>,
    /// Where the Telegram Bot API stand-in listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    standin_addr: std::net::SocketAddr,
    /// Deliver updates as webhook posts instead of long polling.
    #[arg(long)]
    webhook: bool,
    /// Write report.json and report.html into this folder.
    #[arg(long)]
    report: Option<PathBuf>,
    /// An update unanswered this long counts as a timeout.
    #[arg(long, default_value = "10s")]
    timeout: String,
    /// Plant a fault before the checks, to see them fail: lost-update, duplicate-effect or
    /// unsaved-state.
    #[arg(long)]
    plant: Option<String>,
    /// Run the same load a second time with one transaction per update (the way a typical
    /// bot commits), and report both side by side. Needs --target self.
    #[arg(long)]
    naive_commit: bool,
    /// Most updates one group commit carries in the started server (database.commit_group).
    #[arg(long)]
    commit_group: Option<usize>,
    /// No progress bar (for logs and CI).
    #[arg(long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum RecommendCommand {
    /// Hit-rate@3 of item-item and of popularity on a time split (the first 80% of the log
    /// trains, what each player did later tests), from the database's engagement log.
    Eval {
        /// Use a simulated log of this many players instead of the database.
        #[arg(long)]
        simulated: Option<usize>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum MoodCommand {
    /// Train on the labelled messages (fixed seed: the same data gives the same model) and
    /// write the model file.
    Train {
        #[arg(long, default_value = "assets/mood/train.tsv")]
        train: PathBuf,
        #[arg(long, default_value = "assets/mood/model.json")]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Also try smartcore's logistic regression (minutes, not seconds).
        #[arg(long)]
        with_logistic: bool,
    },
    /// Accuracy, macro-F1 and the confusion matrix on messages never used in training.
    Eval {
        #[arg(long, default_value = "assets/mood/eval.tsv")]
        eval: PathBuf,
        /// A model file; the one built into the binary by default.
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// The mood of a message, as JSON: {"mood", "confidence", "scores"}.
    Classify {
        text: String,
        #[arg(long)]
        model: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum StoryCommand {
    /// Compile the ink story in a folder (its entry is main.ink) and report the first error
    /// with its file and line.
    Check { path: PathBuf },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Print a one-time dashboard login link (valid 10 minutes) for an admin.
    LoginLink {
        #[arg(long)]
        user_id: i64,
    },
    /// Give besitos to a player (a negative amount takes them), through the ledger, audited.
    Grant {
        #[arg(long)]
        user_id: i64,
        #[arg(long, allow_hyphen_values = true)]
        amount: i64,
        /// Why: kept in the ledger row and the audit log.
        #[arg(long)]
        reason: String,
        /// Makes a retried command apply once (any word unique to this operation).
        #[arg(long)]
        key: Option<String>,
    },
    /// Ban a player (one polite message, then silence), or lift the ban with `--lift`.
    Ban {
        #[arg(long)]
        user_id: i64,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        lift: bool,
    },
    /// List the free channel's join requests still waiting; `--approve-now` lets them all in
    /// at once (the running server sends the approvals within seconds).
    JoinRequests {
        #[arg(long)]
        approve_now: bool,
    },
    /// List payments, newest first: id, time, provider, player, plan, amount, status.
    Payments {
        /// Only this player's.
        #[arg(long)]
        user_id: Option<i64>,
        /// Only payments with this status (paid, refunded, disputed).
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Define (or change) a tariff for sales made outside Telegram: some days of a plan at a price.
    Tariff {
        #[arg(long)]
        name: String,
        #[arg(long)]
        plan: String,
        #[arg(long)]
        days: i32,
        #[arg(long)]
        price_cents: i64,
        #[arg(long, default_value = "EUR")]
        currency: String,
    },
    /// Create a one-time VIP token for a tariff; prints the /start payload to hand to the buyer.
    Token {
        #[arg(long)]
        tariff: String,
        /// Days before an unused token expires (default: payments.token_valid_days).
        #[arg(long)]
        valid_days: Option<u32>,
    },
    /// Refund a payment: the provider gives the money back (Telegram Stars today), the access
    /// it bought ends, the player is told, and the audit log records it.
    Refund {
        #[arg(long)]
        payment: i64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    // One-shot commands speak through their output; the server logs what it does.
    let serving = matches!(cli.command, None | Some(Command::Serve));
    diana::telemetry::init(if serving { "info" } else { "warn" });
    let runtime = || tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime starts");
    let result = actix_rt::System::with_tokio_rt(runtime).block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => migrate(settings).await,
            Command::Story { command: StoryCommand::Check { path } } => check_story(&path),
            Command::Mood { command: MoodCommand::Train { train, out, seed, with_logistic } } => {
                diana::mood_cli::train_command(&train, &out, seed, with_logistic)
            }
            Command::Mood { command: MoodCommand::Eval { eval, model } } => {
                diana::mood_cli::eval_command(&eval, model.as_deref())
            }
            Command::Mood { command: MoodCommand::Classify { text, model } } => {
                diana::mood_cli::classify_command(&text, model.as_deref())
            }
            Command::Loadtest(args) => loadtest(&settings, *args).await,
            Command::Recommend { command: RecommendCommand::Eval { simulated: Some(players), seed } } => {
                diana::recommend_cli::simulated(&settings.story_dir, players, seed)
            }
            Command::Recommend { command: RecommendCommand::Eval { simulated: None, .. } } => {
                with_pool(&settings, |pool| async move {
                    let log = diana_actors::store::engagement::recent(&pool.get().await?).await?;
                    diana::recommend_cli::report(&log, "the database's engagement log");
                    Ok(())
                })
                .await
            }
            Command::Admin { command: AdminCommand::Grant { user_id, amount, reason, key } } => {
                grant(settings, user_id, amount, &reason, key.as_deref()).await
            }
            Command::Admin { command: AdminCommand::Refund { payment } } => refund(settings, payment).await,
            Command::Admin { command: AdminCommand::LoginLink { user_id } } => {
                let (superadmins, public_url) = (settings.admin_ids.clone(), settings.http.public_url.clone());
                with_pool(&settings, |pool| async move {
                    let link = diana::dashboard::auth::login_link(&pool, &superadmins, &public_url, user_id).await?;
                    println!("{link}");
                    Ok(())
                })
                .await
            }
            Command::Admin { command: AdminCommand::Ban { user_id, reason, lift } } => {
                with_pool(&settings, |pool| async move {
                    diana_actors::admin::set_ban(&pool, "cli", user_id, !lift, &reason).await?;
                    println!("user {user_id} is {}", if lift { "no longer banned" } else { "banned" });
                    anyhow::Ok(())
                })
                .await
            }
            Command::Admin { command: AdminCommand::JoinRequests { approve_now } } => {
                with_pool(&settings, |pool| async move {
                    let client = pool.get().await?;
                    let rows = diana_actors::store::channels::pending(&client).await?;
                    println!("user\tname\trequested\tapproved at");
                    for (user, name, asked, due) in &rows {
                        println!("{user}\t{name}\t{}\t{}", asked.format("%H:%M:%S"), due.format("%H:%M:%S"));
                    }
                    if approve_now {
                        let n = diana_actors::store::channels::approve_all_now(&client).await?;
                        println!("{n} request(s) will be approved within seconds");
                    }
                    anyhow::Ok(())
                })
                .await
            }
            Command::Admin { command: AdminCommand::Payments { user_id, status, limit } } => {
                with_pool(&settings, |pool| async move {
                    let conn = pool.get().await?;
                    let rows = diana_actors::store::payments::list(
                        &conn,
                        user_id,
                        status.as_deref(),
                        None,
                        None,
                        limit.clamp(1, 1000),
                    )
                    .await?;
                    println!("id\ttime\tprovider\tuser\tplan\tamount\tstatus\texternal id");
                    for r in rows {
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{} {}\t{}\t{}",
                            r.id,
                            r.created_at.format("%Y-%m-%d %H:%M"),
                            r.provider,
                            r.user_id,
                            r.plan,
                            r.amount,
                            r.currency,
                            r.status,
                            r.external_id
                        );
                    }
                    anyhow::Ok(())
                })
                .await
            }
            Command::Admin { command: AdminCommand::Tariff { name, plan, days, price_cents, currency } } => {
                with_pool(&settings, |pool| async move {
                    let tariff = diana_actors::admin::Tariff {
                        name: &name,
                        plan: &plan,
                        days,
                        price_cents,
                        currency: &currency,
                    };
                    let plans = running_content(&pool).await?.plans.get();
                    diana_actors::admin::put_tariff(&pool, &plans, "cli", &tariff).await?;
                    println!("tariff {name}: {days} days of {plan} for {price_cents} {currency} cents");
                    anyhow::Ok(())
                })
                .await
            }
            Command::Admin { command: AdminCommand::Token { tariff, valid_days } } => {
                let days = valid_days.unwrap_or(settings.token_valid_days);
                with_pool(&settings, |pool| async move {
                    let payload = diana_actors::admin::create_token(&pool, "cli", &tariff, days).await?;
                    println!("{payload}");
                    println!("hand it over as t.me/<bot>?start={payload} (or /start {payload}); valid for {days} days");
                    anyhow::Ok(())
                })
                .await
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await.context("could not start")?;
    app.run_until_stopped().await;
    Ok(())
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let (config, embedded) = startup::resolve_database(&settings).await?;
    let applied = startup::prepare_database(&config).await;
    if let Some(pg) = embedded {
        pg.stop();
    }
    let applied = applied.context("migration failed")?;
    println!("migrations applied: {applied}");
    Ok(())
}

async fn grant(settings: Settings, user_id: i64, amount: i64, reason: &str, key: Option<&str>) -> anyhow::Result<()> {
    let (config, embedded) = startup::resolve_database(&settings).await?;
    let result = async {
        startup::prepare_database(&config).await?;
        let pool = diana_actors::store::pool(&config, 2)?;
        let economy = diana_actors::domain::economy::Economy::embedded()?;
        let balance = diana_actors::admin::grant_besitos(
            &pool,
            &economy,
            settings.game_timezone,
            "cli",
            user_id,
            amount,
            reason,
            key,
        )
        .await?;
        anyhow::Ok(balance)
    }
    .await;
    if let Some(pg) = embedded {
        pg.stop();
    }
    let balance = result?;
    println!("user {user_id} now has {balance} besitos");
    Ok(())
}

/// Run `f` with a pool on the configured database (migrated), stopping a private cluster after.
async fn loadtest(settings: &Settings, args: LoadtestArgs) -> anyhow::Result<()> {
    use diana::loadtest::{self, Options, Target, bot_api::Load, players::Mix, verify::Fault};
    let duration = |what: &str, text: &str| {
        diana::config::parse_duration(text)
            .ok_or_else(|| anyhow::anyhow!("--{what}: `{text}` is not a duration such as 30s"))
    };
    let load = match (args.rate, args.closed_loop) {
        (Some(rate), _) if rate > 0.0 => Load::Open { rate },
        (Some(_), _) => anyhow::bail!("--rate must be above zero"),
        (None, true) => Load::Closed { think: duration("think", &args.think)? },
        (None, false) => Load::Open { rate: 100.0 },
    };
    anyhow::ensure!(args.users > 0, "--users must be at least 1");
    let configured = settings
        .database
        .url
        .as_ref()
        .map_or(diana::startup::DEFAULT_DATABASE_URL.to_owned(), |u| u.expose().to_owned());
    let target = match (args.target.as_str(), args.target_url) {
        (_, Some(url)) => Target::Running { url, database_url: configured },
        ("self", None) => Target::OwnServer {
            database_url: loadtest::fresh_database(&configured)?,
            redis_url: settings.redis.url.expose().to_owned(),
        },
        (other, None) => anyhow::bail!("--target `{other}`: use self, or --target-url"),
    };
    let options = Options {
        users: args.users,
        duration: duration("duration", &args.duration)?,
        load,
        mix: Mix::parse(&args.mix).map_err(anyhow::Error::msg)?,
        target,
        standin_addr: args.standin_addr,
        webhook: args.webhook.then(|| format!("{:032x}", rand::random::<u128>())),
        report_dir: args.report,
        timeout: duration("timeout", &args.timeout)?,
        plant: args.plant.as_deref().map(Fault::parse).transpose().map_err(anyhow::Error::msg)?,
        commit_group: args.commit_group,
        progress: !args.quiet,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    anyhow::ensure!(args.commit_group != Some(0), "--commit-group must be at least 1");
    if args.naive_commit {
        let group = args.commit_group.unwrap_or(settings.database.commit_group);
        let comparison = loadtest::compare_naive(options, group).await?;
        print!("{}", comparison.summary());
        anyhow::ensure!(comparison.passed(), "a correctness check failed");
        return Ok(());
    }
    let report = loadtest::run(options).await?;
    print!("{}", report.summary());
    anyhow::ensure!(report.passed(), "a correctness check failed");
    Ok(())
}

async fn with_pool<F, Fut>(settings: &Settings, f: F) -> anyhow::Result<()>
where
    F: FnOnce(diana_actors::store::Pool) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let (config, embedded) = startup::resolve_database(settings).await?;
    let result = async {
        startup::prepare_database(&config).await?;
        f(diana_actors::store::pool(&config, 2)?).await
    }
    .await;
    if let Some(pg) = embedded {
        pg.stop();
    }
    result
}

async fn refund(settings: Settings, payment_id: i64) -> anyhow::Result<()> {
    use diana_actors::payments::{PaymentReconciler, RefundOutcome, RefundPayment, system_clock};
    let (config, embedded) = startup::resolve_database(&settings).await?;
    let result = async {
        startup::prepare_database(&config).await?;
        let pool = diana_actors::store::pool(&config, 2)?;
        let api = settings
            .telegram
            .token
            .as_ref()
            .map(|token| diana::telegram::api::TelegramApi::new(token.expose(), settings.telegram.api_url.clone()));
        let public = settings.http.public_url.to_string();
        let stripe = settings.stripe.as_ref().map(|s| {
            diana::telegram::stripe_checkout::StripeCheckout::new(s.api_key.expose(), s.api_url.clone(), public.clone())
        });
        let paypal = settings.paypal.as_ref().map(|p| diana::paypal_api::PaypalApi::new(p, public.clone()));
        let refunders =
            diana::refunds::Refunders { telegram: api.as_ref(), stripe: stripe.as_ref(), paypal: paypal.as_ref() };
        diana::refunds::give_back(&pool, refunders, payment_id).await?;
        let plans = running_content(&pool).await?.plans.clone();
        let reconciler = PaymentReconciler::new(pool, plans, None, system_clock());
        let outcome = reconciler.refund(RefundPayment { payment_id, admin: "cli".into() }).await?;
        anyhow::Ok(outcome)
    }
    .await;
    if let Some(pg) = embedded {
        pg.stop();
    }
    match result? {
        RefundOutcome::Refunded { user_id } => println!("payment {payment_id} refunded; user {user_id}'s VIP ended"),
        RefundOutcome::AlreadyRefunded => println!("payment {payment_id} was already refunded"),
        RefundOutcome::NoSuchPayment => anyhow::bail!("no payment {payment_id}"),
    }
    Ok(())
}

fn check_story(path: &std::path::Path) -> anyhow::Result<()> {
    let report = diana_actors::story::lint::check(path);
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    let s = &report.stats;
    let e = &report.exploration;
    println!(
        "{}: {} chapters, {} knots ({} stitches), {} choices, {} words, {} endings",
        path.display(),
        s.chapters,
        s.knots,
        s.stitches,
        s.choices,
        s.words,
        s.endings
    );
    let join = |set: &std::collections::BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
    println!(
        "explored: {} states, {} steps, {} choices deep; endings reached: {} (without VIP: {})",
        e.states,
        e.steps,
        e.deepest,
        join(&e.endings),
        join(&e.free_endings)
    );
    if report.errors.is_empty() {
        println!("ok");
        Ok(())
    } else {
        anyhow::bail!("{} error(s) in the story", report.errors.len())
    }
}

/// The content the server runs with: the shipped documents, and the versions an admin
/// activated from the dashboard.
async fn running_content(pool: &diana_actors::store::Pool) -> anyhow::Result<&'static diana_actors::content::Content> {
    let content = diana_actors::content::shelf();
    diana_actors::content::load_running(&pool.get().await?, content).await?;
    Ok(content)
}
