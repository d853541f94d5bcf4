//! Creating the database and applying the embedded migrations.

use super::StoreError;
use std::str::FromStr;
use tokio_postgres::NoTls;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// Parse a `postgres://` URL or key=value connection string.
pub fn parse_url(url: &str) -> Result<tokio_postgres::Config, StoreError> {
    tokio_postgres::Config::from_str(url).map_err(|e| StoreError::InvalidUrl(e.to_string()))
}

async fn connect(config: &tokio_postgres::Config) -> Result<tokio_postgres::Client, StoreError> {
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(%error, "maintenance connection closed");
        }
    });
    Ok(client)
}

/// Create the database named in `config` if it does not exist yet.
pub async fn ensure_database(config: &tokio_postgres::Config) -> Result<(), StoreError> {
    let name = config.get_dbname().unwrap_or("postgres").to_owned();
    let mut admin = config.clone();
    admin.dbname("postgres");
    let client = connect(&admin).await?;
    let exists = client.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name]).await?.is_some();
    if !exists {
        // Identifiers cannot be bound as parameters; quoting the name as an identifier is the
        // safe way to use it, and it comes from the operator's configuration, not from users.
        let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        match client.batch_execute(&sql).await {
            Ok(()) => tracing::info!(database = %name, "created database"),
            // Another process created it between our check and our CREATE.
            Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Apply every embedded migration not applied yet. Returns how many ran.
pub async fn migrate(config: &tokio_postgres::Config) -> Result<usize, StoreError> {
    let mut client = connect(config).await?;
    let report = embedded::migrations::runner().run_async(&mut client).await?;
    Ok(report.applied_migrations().len())
}

/// The newest migration version embedded in this binary.
pub fn latest_version() -> i64 {
    embedded::migrations::runner().get_migrations().iter().map(|m| i64::from(m.version())).max().unwrap_or(0)
}

/// Whether the database has every migration this binary carries.
pub async fn is_up_to_date(client: &super::Connection) -> Result<bool, StoreError> {
    let row = client.query_one("SELECT COALESCE(MAX(version), 0)::BIGINT FROM refinery_schema_history", &[]).await?;
    Ok(row.get::<_, i64>(0) >= latest_version())
}
