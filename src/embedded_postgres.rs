//! A private PostgreSQL cluster in `.diana/pg`, for running Diana on a machine where nothing
//! answers on 127.0.0.1:5432 and `DATABASE_URL` is unset. It uses the machine's own PostgreSQL
//! binaries, listens only on a Unix socket, and is stopped when the server exits.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL found (initdb, pg_ctl): install the Debian package 'postgresql' \
         (apt-get install postgresql), or set DATABASE_URL"
    )]
    NotInstalled,
    #[error("{step} failed: {detail}")]
    Command { step: &'static str, detail: String },
    #[error("could not prepare {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    /// PostgreSQL refuses to run as root; as root we run it as the `postgres` user.
    run_as: Option<(u32, u32)>,
}

/// The directory holding `initdb` and `pg_ctl`: on PATH, else the newest `/usr/lib/postgresql/*/bin`.
pub fn find_binaries() -> Result<PathBuf, EmbeddedError> {
    if let Some(dir) = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
    {
        return Ok(dir);
    }
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((version, bin))
        })
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, dir)| dir).ok_or(EmbeddedError::NotInstalled)
}

impl EmbeddedPostgres {
    /// Initialise the cluster in `dir` if needed and start it (or reuse it if it is running).
    pub fn start(dir: &Path) -> Result<(EmbeddedPostgres, tokio_postgres::Config), EmbeddedError> {
        let bin_dir = find_binaries()?;
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| EmbeddedError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let dir = dir.canonicalize().map_err(io(dir))?;
        let data_dir = dir.join("data");
        // Unix socket paths are limited to 107 bytes.
        let socket_dir = if dir.join(".s.PGSQL.5432").as_os_str().len() < 100 {
            dir.clone()
        } else {
            let short = std::env::temp_dir().join(format!("diana-pg-{}", short_hash(&dir)));
            std::fs::create_dir_all(&short).map_err(io(&short))?;
            short
        };
        let run_as = if is_root() { Some(postgres_user()?) } else { None };
        if let Some((uid, gid)) = run_as {
            for d in [&dir, &socket_dir] {
                std::os::unix::fs::chown(d, Some(uid), Some(gid)).map_err(io(d))?;
            }
        }
        let pg = EmbeddedPostgres { bin_dir, data_dir, socket_dir, run_as };
        if !pg.data_dir.join("PG_VERSION").exists() {
            tracing::info!(dir = %dir.display(), "initialising a private PostgreSQL cluster");
            pg.run(
                "initdb",
                &[
                    "-D".as_ref(),
                    pg.data_dir.as_os_str(),
                    "-U".as_ref(),
                    "postgres".as_ref(),
                    "--auth=trust".as_ref(),
                    "-E".as_ref(),
                    "UTF8".as_ref(),
                ],
            )?;
        }
        if !pg.is_running() {
            let options = format!("-k {} -c listen_addresses='' -p 5432", pg.socket_dir.display());
            let log = dir.join("postgres.log");
            pg.run(
                "pg_ctl",
                &[
                    "start".as_ref(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "30".as_ref(),
                    "-D".as_ref(),
                    pg.data_dir.as_os_str(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-o".as_ref(),
                    options.as_ref(),
                ],
            )?;
            tracing::info!(socket = %pg.socket_dir.display(), "private PostgreSQL started");
        }
        let mut config = tokio_postgres::Config::new();
        config.host_path(&pg.socket_dir).port(5432).user("postgres").dbname("diana");
        Ok((pg, config))
    }

    fn is_running(&self) -> bool {
        self.command("pg_ctl").args(["status", "-D"]).arg(&self.data_dir).output().is_ok_and(|o| o.status.success())
    }

    /// Stop the cluster (fast shutdown: connections are closed, data is safe).
    pub fn stop(&self) {
        let stopped = self.run(
            "pg_ctl",
            &[
                "stop".as_ref(),
                "-w".as_ref(),
                // Within the server's own shutdown bound.
                "-t".as_ref(),
                "5".as_ref(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-D".as_ref(),
                self.data_dir.as_os_str(),
            ],
        );
        match stopped {
            Ok(()) => tracing::info!("private PostgreSQL stopped"),
            Err(error) => tracing::warn!(%error, "could not stop the private PostgreSQL"),
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        if let Some((uid, gid)) = self.run_as {
            use std::os::unix::process::CommandExt;
            cmd.uid(uid).gid(gid);
        }
        // initdb reads the current directory; root's home may be closed to the postgres user.
        cmd.current_dir("/");
        cmd
    }

    fn run(&self, step: &'static str, args: &[&std::ffi::OsStr]) -> Result<(), EmbeddedError> {
        let output = self
            .command(step)
            .args(args)
            .output()
            .map_err(|e| EmbeddedError::Command { step, detail: e.to_string() })?;
        if output.status.success() {
            Ok(())
        } else {
            let detail = String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("").to_owned();
            Err(EmbeddedError::Command { step, detail })
        }
    }
}

fn is_root() -> bool {
    // The effective uid is root's if /proc/self is owned by 0.
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}

/// uid and gid of the `postgres` user, from /etc/passwd.
fn postgres_user() -> Result<(u32, u32), EmbeddedError> {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"postgres") && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
        .ok_or(EmbeddedError::Command {
            step: "finding the postgres user",
            detail: "running as root needs a 'postgres' system user to own the cluster".into(),
        })
}

fn short_hash(path: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    format!("{:x}", h.finish() & 0xffff_ffff)
}
