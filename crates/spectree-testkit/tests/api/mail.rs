//! Mail delivery through an SMTP relay.

use std::time::{Duration, Instant};

use spectree_testkit::TestServer;
use spectree_testkit::smtp::SmtpSink;

#[tokio::test]
async fn with_smtp_configured_mail_goes_to_the_relay_not_the_outbox() {
    let sink = SmtpSink::start().await;
    let url = format!("smtp://127.0.0.1:{}", sink.port);
    let server = TestServer::start_with(|c| {
        c.mail.smtp_url = Some(spectree::config::Secret::new(url));
    })
    .await;
    server.admin().await;
    server.user("ada@example.com").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.messages().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("To: ada@example.com"));
    assert!(messages[0].contains("Verify your email address"));
    assert!(server.outbox().is_empty());
    server.stop().await;
}
