//! The digest: lines queued by [`super::deliver`] are mailed together, one mail per person,
//! once the oldest of that person's lines is `digest_interval` old (on the app's clock). The
//! binary runs [`App::send_due_digests`] in the background. A digest that cannot be sent
//! (the relay is down) keeps its lines for the next pass.

use spectree_store::identity::users;
use spectree_store::notification::digest;
use spectree_store::{Store, StoreResult};

use crate::App;
use crate::mail::Mail;

/// People whose digest is sent in one pass, at most.
const BATCH: u32 = 500;

impl App {
    /// Mails every digest that is due; returns how many mails were sent.
    pub async fn send_due_digests(&self) -> StoreResult<usize> {
        let due = self.now().minus(self.settings().digest_interval);
        let users_due = digest::due_users(&mut *self.store().read().await?, due, BATCH).await?;
        let mut sent = 0;
        for user in users_due {
            let mut tx = self.store().begin().await?;
            let lines = digest::take(&mut tx, self.store().sealer(), user).await?;
            let person = users::get(&mut tx, user).await?;
            Store::commit(tx).await?;
            let Some(person) = person.filter(|p| p.disabled_at.is_none()) else {
                continue;
            };
            if lines.is_empty() {
                continue;
            }
            let mut body = format!("What happened on items you watch ({}):\n\n", lines.len());
            for l in &lines {
                body.push_str(&format!(
                    "- {}\n  {}\n",
                    l.summary,
                    self.item_link(l.project_id, l.item_id)
                ));
            }
            body.push_str("\nChange what you are told about in your notification preferences.\n");
            let subject = if lines.len() == 1 {
                "Your Spec Tree digest: 1 update".to_owned()
            } else {
                format!("Your Spec Tree digest: {} updates", lines.len())
            };
            let mail = Mail {
                to: person.email,
                subject,
                body,
            };
            if let Err(e) = self.mailer().send(&mail).await {
                // The lines go back, as they were, for the next pass to try again.
                tracing::warn!(error = %e, %user, lines = lines.len(),
                    "sending a digest failed; it is kept for the next attempt");
                let mut tx = self.store().begin().await?;
                for line in &lines {
                    digest::insert(&mut tx, self.store().sealer(), line).await?;
                }
                Store::commit(tx).await?;
                continue;
            }
            sent += 1;
        }
        Ok(sent)
    }
}
