//! The built-in offline provider: text from the item's own context with templates
//! (`spectree_domain::ai::offline_text`), written at a steady pace (`ai.offline_token_interval`)
//! so that people in the room watch it arrive. Needs no network: the embedded default and
//! air-gapped installs have AI generation too.

use std::time::Duration;

use spectree_domain::ai::{offline_text, split_tokens};
use tokio::sync::mpsc;

use super::provider::{AiProvider, ProviderFuture, ProviderRequest};

/// The offline generator.
#[derive(Debug, Clone)]
pub struct OfflineProvider {
    /// Pause between two tokens.
    pub pace: Duration,
}

impl AiProvider for OfflineProvider {
    fn name(&self) -> &'static str {
        "offline"
    }

    fn generate<'a>(
        &'a self,
        request: &'a ProviderRequest,
        tokens: mpsc::Sender<String>,
    ) -> ProviderFuture<'a> {
        Box::pin(async move {
            let text = offline_text(&request.context);
            let max = usize::try_from(request.max_tokens).unwrap_or(usize::MAX);
            for (i, t) in split_tokens(&text).into_iter().take(max).enumerate() {
                if i > 0 {
                    tokio::time::sleep(self.pace).await;
                }
                if tokens.send(t).await.is_err() {
                    break;
                }
            }
            Ok(())
        })
    }
}
