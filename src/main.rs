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
}

#[derive(Subcommand)]
enum StoryCommand {
    /// Compile the ink story in a folder (its entry is main.ink) and report the first error
    /// with its file and line.
    Check { path: PathBuf },
}

#[derive(Subcommand)]
enum AdminCommand {
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
            Command::Admin { command: AdminCommand::Grant { user_id, amount, reason, key } } => {
                grant(settings, user_id, amount, &reason, key.as_deref()).await
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
