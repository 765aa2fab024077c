//! The `spectree` command: parses the command line, loads the configuration once and runs the
//! chosen subcommand. Exit codes: 0 success, 1 failure, 2 invalid configuration.

mod cli;

use std::collections::HashMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use spectree::config::{self, Config, ConfigError};
use spectree::server;

use cli::{AdminCommand, AuditCommand, Cli, Command, ConfigCommand, CreateUser, UserCommand};

/// Why the command failed; decides the exit code.
enum Failure {
    /// The configuration is invalid: exit code 2.
    Config(ConfigError),
    /// Anything else: exit code 1.
    Other(anyhow::Error),
}

impl From<ConfigError> for Failure {
    fn from(error: ConfigError) -> Self {
        Self::Config(error)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::Other(error)
    }
}

fn main() -> ExitCode {
    cap_malloc_arenas();
    let cli = Cli::parse();
    match run(cli, &environment()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Config(error)) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
        Err(Failure::Other(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Caps glibc's malloc arenas at one per core, at least two, unless `MALLOC_ARENA_MAX` says
/// otherwise (docs/decisions/0026). glibc gives every thread an arena of its own up to eight
/// per core, and each SQLite connection's worker thread kept one with its freed pages: 4 to
/// 5 MB of the live-document server's resident memory at 1,000 clients.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn cap_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    let arenas = libc::c_int::try_from(cores.max(2)).unwrap_or(libc::c_int::MAX);
    // SAFETY: `mallopt` only sets a parameter of glibc's allocator and is called first thing
    // in `main`, before any other thread exists. When it fails (returns 0) glibc's default
    // stays in place, which is fine.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn cap_malloc_arenas() {}

/// The process environment, read once here and passed down. Values that are not valid
/// UTF-8 are converted lossily (and then fail validation if they matter) rather than
/// panicking as `std::env::vars` would.
fn environment() -> HashMap<String, String> {
    std::env::vars_os()
        .map(|(name, value)| {
            (
                name.to_string_lossy().into_owned(),
                value.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

fn run(cli: Cli, env: &HashMap<String, String>) -> Result<(), Failure> {
    let file = cli.config.clone().or_else(|| {
        env.get("SPECTREE_CONFIG")
            .filter(|path| !path.is_empty())
            .map(PathBuf::from)
    });
    let overrides = cli.overrides();
    let load = || config::load(file.as_deref(), env, &overrides);

    match cli.command.unwrap_or(Command::Serve) {
        Command::Config(ConfigCommand::Example) => print!("{}", config::example()),
        Command::Config(ConfigCommand::Check) => {
            load()?;
            println!("configuration OK");
        }
        Command::Config(ConfigCommand::Print) => print!("{}", config::print(&load()?)),
        Command::Serve => {
            let config = load()?;
            server::init_logging(&config);
            block_on(server::serve(config))?;
        }
        Command::Migrate => {
            let config = load()?;
            server::init_logging(&config);
            block_on(server::migrate(&config))?;
            println!("migrations applied");
        }
        Command::Admin(AdminCommand::User(UserCommand::Create(create))) => {
            let config = load()?;
            let password = read_password(std::io::stdin().lock())?;
            server::init_logging(&config);
            println!("{}", block_on(create_user(&config, &create, &password))?);
        }
        Command::Admin(AdminCommand::User(UserCommand::List)) => {
            let config = load()?;
            server::init_logging(&config);
            for line in block_on(server::admin_list_users(&config))? {
                println!("{line}");
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let config = load()?;
            server::init_logging(&config);
            let verified = block_on(spectree::audit::verify(&config))?;
            if verified.lines.is_empty() {
                println!("no audit records yet");
            }
            for line in &verified.lines {
                println!("{line}");
            }
            if !verified.intact {
                return Err(anyhow::anyhow!("the audit log failed verification").into());
            }
        }
    }
    Ok(())
}

async fn create_user(
    config: &Config,
    create: &CreateUser,
    password: &str,
) -> anyhow::Result<String> {
    server::admin_create_user(
        config,
        &create.email,
        &create.name,
        password,
        create.instance_admin,
    )
    .await
}

/// Runs `future` to completion on a multi-threaded runtime built for this command.
fn block_on<T>(future: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(future)
}

/// The first line of `input`, without its line ending; an empty password is refused.
fn read_password(mut input: impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.strip_suffix('\n').map_or(line.as_str(), |rest| {
        rest.strip_suffix('\r').unwrap_or(rest)
    });
    anyhow::ensure!(
        !password.is_empty(),
        "no password on standard input (--password-stdin reads its first line)"
    );
    Ok(password.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_without_its_line_ending() {
        assert_eq!(
            read_password(&b"s3cret pw\r\nnext\n"[..]).unwrap(),
            "s3cret pw"
        );
        assert_eq!(read_password(&b"last"[..]).unwrap(), "last");
    }

    #[test]
    fn an_empty_password_is_refused() {
        assert!(read_password(&b"\n"[..]).is_err());
        assert!(read_password(&b""[..]).is_err());
    }
}
