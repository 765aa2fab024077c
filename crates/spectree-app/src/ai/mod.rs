//! Live AI generation (issue 5, F4.1.12): a job writes a provider's answer token by token
//! into an item's live document as an "AI" participant with its own Yjs client id (bound to
//! the AI and the person who started it), presence and cursor, so everyone in the room
//! watches it being written. See decision 0015.

mod error;
mod jobs;
mod offline;
mod openai;
mod provider;
mod runner;
mod settings;
mod sink;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use error::AiError;
pub use jobs::StartGeneration;
pub use offline::OfflineProvider;
pub use openai::{OpenAiProvider, OpenAiSettings};
pub use provider::{AiProvider, ProviderError, ProviderFuture, ProviderRequest, instruction};
use spectree_domain::ids::GenerationId;
pub use spectree_store::ai::generations::Generation;
use tokio::sync::watch;

/// Which provider generates text.
#[derive(Debug, Clone)]
pub enum AiProviderSettings {
    /// The built-in offline generator.
    Offline,
    /// An OpenAI-compatible chat completions endpoint.
    OpenAi(OpenAiSettings),
}

/// How AI generation is configured (`[ai]`).
#[derive(Debug, Clone)]
pub struct AiSettings {
    /// The provider.
    pub provider: AiProviderSettings,
    /// Pause between two tokens of the offline generator.
    pub offline_token_interval: Duration,
    /// Most tokens one job writes.
    pub max_tokens: u32,
    /// Longest a job may run; a job still marked running past it was abandoned by a node
    /// that stopped.
    pub max_duration: Duration,
}

impl Default for AiSettings {
    fn default() -> Self {
        Self {
            provider: AiProviderSettings::Offline,
            offline_token_interval: Duration::from_millis(60),
            max_tokens: 1024,
            max_duration: Duration::from_secs(600),
        }
    }
}

/// The provider and the jobs running on this node.
pub(crate) struct AiRuntime {
    pub(crate) provider: Arc<dyn AiProvider>,
    pub(crate) settings: AiSettings,
    /// Cancel switches of the jobs this node runs.
    pub(crate) jobs: Mutex<HashMap<GenerationId, watch::Sender<bool>>>,
}

impl AiRuntime {
    pub(crate) fn new(settings: AiSettings) -> Self {
        crate::install_tls_provider();
        let provider: Arc<dyn AiProvider> = match &settings.provider {
            AiProviderSettings::Offline => Arc::new(OfflineProvider {
                pace: settings.offline_token_interval,
            }),
            AiProviderSettings::OpenAi(s) => Arc::new(OpenAiProvider::new(s.clone())),
        };
        Self {
            provider,
            settings,
            jobs: Mutex::new(HashMap::new()),
        }
    }
}
