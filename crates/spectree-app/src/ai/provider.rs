//! The provider interface: something that, given an item's context and a prompt, streams
//! text token by token. Implementations: the built-in offline generator ([`super::offline`])
//! and any OpenAI-compatible chat completions endpoint ([`super::openai`]).

use std::future::Future;
use std::pin::Pin;

use spectree_domain::ai::GenerationContext;
use tokio::sync::mpsc;

/// What a provider is asked.
#[derive(Debug, Clone)]
pub struct ProviderRequest {
    /// The item's context and the person's prompt.
    pub context: GenerationContext,
    /// Most tokens to produce.
    pub max_tokens: u32,
}

/// Why a provider failed; the message is shown as the job's reason (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(pub String);

/// A boxed provider future.
pub type ProviderFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ProviderError>> + Send + 'a>>;

/// A source of generated text.
pub trait AiProvider: Send + Sync + 'static {
    /// Its name, recorded with each job (`offline`, `openai`).
    fn name(&self) -> &'static str;

    /// Streams the answer into `tokens`, one piece at a time, and returns when it ended.
    /// A closed `tokens` (the job was cancelled) ends it early with `Ok`.
    fn generate<'a>(
        &'a self,
        request: &'a ProviderRequest,
        tokens: mpsc::Sender<String>,
    ) -> ProviderFuture<'a>;
}

/// The instruction for a kind of generation, shared by providers that take free text.
pub fn instruction(ctx: &GenerationContext) -> String {
    use spectree_domain::ai::GenerationKind as K;
    let what = match ctx.kind {
        K::Description => {
            "Write Markdown text for the work item's description. Answer with the text only."
        }
        K::AcceptanceCriteria => {
            "Write acceptance criteria for the work item: one criterion per line, plain text, \
             no bullets or numbering, nothing else."
        }
        K::Children => {
            "Break the work item into smaller work items: one short title per line, no \
             bullets or numbering, nothing else."
        }
    };
    let mut s = format!(
        "{what}\n\nWork item ({}): {}\n",
        ctx.item_type.as_str(),
        ctx.title
    );
    if let Some(p) = &ctx.parent_title {
        s.push_str(&format!("Part of: {p}\n"));
    }
    if !ctx.criteria.is_empty() {
        s.push_str("Existing acceptance criteria:\n");
        for c in &ctx.criteria {
            s.push_str(&format!("- {c}\n"));
        }
    }
    if !ctx.prompt.trim().is_empty() {
        s.push_str(&format!("\nRequest: {}\n", ctx.prompt.trim()));
    }
    s
}
