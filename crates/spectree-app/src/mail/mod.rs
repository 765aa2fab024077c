//! Outbound mail. With SMTP configured, messages go to the relay; the embedded default writes
//! each message as an `.eml` file into the outbox folder of the data directory, where an
//! administrator (or a test) can read it.

use std::path::PathBuf;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// A message to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Mail could not be built or delivered.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message or an address is invalid.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// Writing the outbox file failed.
    #[error("outbox write failed: {0}")]
    Io(#[from] std::io::Error),
    /// The SMTP relay refused or could not be reached.
    #[error("smtp delivery failed: {0}")]
    Smtp(String),
}

/// SMTP relay settings.
#[derive(Clone)]
pub struct SmtpSettings {
    /// `smtp://host:port` (STARTTLS when offered), `smtps://host:port` (TLS) with optional
    /// `user:password@`, as lettre's connection URL.
    pub url: String,
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// Files in a folder.
    Outbox {
        /// The folder.
        dir: PathBuf,
        /// Sender address.
        from: String,
    },
    /// An SMTP relay.
    Smtp {
        /// The transport.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// Sender address.
        from: String,
    },
}

impl Mailer {
    /// Mail into files under `dir` (created if missing).
    pub fn outbox(dir: PathBuf, from: String) -> Result<Self, MailError> {
        std::fs::create_dir_all(&dir)?;
        Ok(Mailer::Outbox { dir, from })
    }

    /// Mail through an SMTP relay given as a URL.
    pub fn smtp(settings: &SmtpSettings, from: String) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.url)
            .map_err(|e| MailError::Invalid(format!("smtp url: {e}")))?
            .build();
        Ok(Mailer::Smtp { transport, from })
    }

    /// Mail through an SMTP relay without TLS (local relays, tests).
    pub fn smtp_plain(
        host: &str,
        port: u16,
        creds: Option<(String, String)>,
        from: String,
    ) -> Self {
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port);
        if let Some((u, p)) = creds {
            b = b.credentials(Credentials::new(u, p));
        }
        Mailer::Smtp {
            transport: b.build(),
            from,
        }
    }

    fn from(&self) -> &str {
        match self {
            Mailer::Outbox { from, .. } | Mailer::Smtp { from, .. } => from,
        }
    }

    /// Sends one message.
    pub async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let msg = Message::builder()
            .from(
                self.from()
                    .parse()
                    .map_err(|e| MailError::Invalid(format!("from: {e}")))?,
            )
            .to(mail
                .to
                .parse()
                .map_err(|e| MailError::Invalid(format!("to: {e}")))?)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailError::Invalid(e.to_string()))?;
        match self {
            Mailer::Outbox { dir, .. } => {
                let name = format!("{}.eml", uuid::Uuid::now_v7().simple());
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, msg.formatted()).await?;
                tokio::fs::rename(&tmp, dir.join(name)).await?;
                Ok(())
            }
            Mailer::Smtp { transport, .. } => transport
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Smtp(e.to_string())),
        }
    }

    /// Sends after a use case committed: a failure is logged, not returned, because the change
    /// itself stands (the person can ask for the mail again).
    pub(crate) async fn send_logged(&self, mail: Mail) {
        if let Err(e) = self.send(&mail).await {
            tracing::error!(error = %e, subject = %mail.subject, "sending mail failed");
        }
    }
}
