//! The command line: global options and subcommands (clap definitions only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use spectree::config::Overrides;

/// Spec Tree: a self-hostable spec-writing platform.
///
/// Configuration layers, each overriding the one before: built-in defaults < TOML file
/// (--config or SPECTREE_CONFIG) < SPECTREE_* environment variables < these flags.
/// `spectree config example` prints every key with its default.
#[derive(Parser)]
#[command(name = "spectree", version)]
pub struct Cli {
    /// TOML configuration file (also SPECTREE_CONFIG).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to serve on, e.g. 0.0.0.0:8080 (key `listen`).
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Where the embedded database, blobs and the mail outbox live (key `data_dir`).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<String>,
    /// sqlite://... or postgres://... (key `database_url`; prefer
    /// SPECTREE_DATABASE_URL_FILE, as command lines are visible to other users).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// redis://... for fan-out between nodes (key `redis_url`).
    #[arg(long, global = true, value_name = "URL")]
    pub redis_url: Option<String>,
    /// The base URL people reach this instance at (key `public_url`).
    #[arg(long, global = true, value_name = "URL")]
    pub public_url: Option<String>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Check, print or show an example of the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Administrative tasks on the database, without the server running.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Check the audit log's tamper evidence.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `spectree audit ...`.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify every organization's hash chain up to its recorded head; print one line per
    /// chain and exit 1 naming the first broken link when a record was altered, removed,
    /// reordered or the newest records were truncated.
    Verify,
}

/// `spectree config ...`.
#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Load and validate the configuration; exit 2 when it is invalid.
    Check,
    /// Print the effective configuration as TOML, secrets redacted.
    Print,
    /// Print a complete commented configuration file with every default.
    Example,
}

/// `spectree admin ...`.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
}

/// `spectree admin user ...`.
#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account (with --instance-admin, an instance administrator).
    Create(CreateUser),
    /// List every account, one per line.
    List,
}

/// `spectree admin user create`.
#[derive(Args)]
pub struct CreateUser {
    /// The account's email address.
    #[arg(long)]
    pub email: String,
    /// The person's display name.
    #[arg(long)]
    pub name: String,
    /// Read the password from the first line of standard input (required, so that it
    /// never appears in the process list or shell history).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// Make the account an instance administrator.
    #[arg(long)]
    pub instance_admin: bool,
}

impl Cli {
    /// The configuration flags, as the top layer of the configuration.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            listen: self.listen.clone(),
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            redis_url: self.redis_url.clone(),
            public_url: self.public_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("spectree").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_serve_with_the_given_flags() {
        let cli = parse(&["--listen", "0.0.0.0:80"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.overrides().listen.as_deref(), Some("0.0.0.0:80"));
    }

    #[test]
    fn global_flags_work_after_a_subcommand() {
        let cli = parse(&[
            "admin",
            "user",
            "list",
            "--data-dir",
            "/srv/st",
            "--config",
            "/etc/st.toml",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Admin(AdminCommand::User(UserCommand::List)))
        ));
        assert_eq!(cli.overrides().data_dir.as_deref(), Some("/srv/st"));
        assert_eq!(cli.config, Some(PathBuf::from("/etc/st.toml")));
    }

    #[test]
    fn creating_a_user_requires_the_password_on_stdin() {
        let args = [
            "admin", "user", "create", "--email", "a@x.io", "--name", "A",
        ];
        assert!(parse(&args).is_err());
        let with_stdin = [&args[..], &["--password-stdin", "--instance-admin"]].concat();
        let Some(Command::Admin(AdminCommand::User(UserCommand::Create(create)))) =
            parse(&with_stdin).unwrap().command
        else {
            panic!("not a create command");
        };
        assert_eq!(create.email, "a@x.io");
        assert!(create.instance_admin);
    }
}
