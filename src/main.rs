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
    diana::telemetry::init();
    let runtime = || tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime starts");
    let result = actix_rt::System::with_tokio_rt(runtime).block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => migrate(settings).await,
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
