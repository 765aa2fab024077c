//! Where a job's tokens go. A description token is inserted at the AI's insertion point (a
//! Yjs relative position, so people typing elsewhere do not move it); criteria are appended
//! as new entries, one per line of output; children are created through the spec use case
//! one per completed line. Each write is one yrs transaction under the AI's client id.

use std::sync::{Arc, Mutex};

use spectree_collab::Writer;
use spectree_collab::schema::Roots;
use spectree_domain::ai::GenerationKind;
use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::spec::{
    ItemType, MAX_CRITERIA, MAX_CRITERION_CHARS, MAX_DESCRIPTION_BYTES, validate_title,
};
use yrs::types::text::TextRef;
use yrs::{
    Any, Array, Assoc, GetString, IndexedSequence, Map, MapPrelim, Out, StickyIndex, Text,
    TextPrelim, TransactionMut,
};

use super::jobs::child_type;
use super::runner::Job;
use crate::App;
use crate::spec::{NewItem, Placement};

/// What the edit closure hands back.
#[derive(Default)]
struct Shared {
    /// Where the next token goes.
    at: Option<StickyIndex>,
    /// The criterion being written.
    criterion: Option<String>,
    /// Why writing stopped: the text reached a cap (criteria count, criterion length or
    /// description size).
    refused: Option<String>,
    /// Where the AI's cursor is, as Yjs relative-position JSON.
    cursor: Option<serde_json::Value>,
}

/// The writing side of a job.
pub(crate) struct Sink {
    kind: GenerationKind,
    item: ItemId,
    item_type: ItemType,
    project: ProjectId,
    writer: Writer,
    client: u64,
    actor: crate::Actor,
    /// Characters from the start where a description goes (the end when `None`).
    position: Option<usize>,
    shared: Arc<Mutex<Shared>>,
    /// The child title being written.
    line: String,
    /// Children created.
    children: Vec<ItemId>,
    first: bool,
}

fn utf16_len(s: &str) -> u32 {
    u32::try_from(s.encode_utf16().count()).unwrap_or(u32::MAX)
}

/// The UTF-16 offset of the `chars`-th character of `s` (clamped to its end).
fn utf16_offset(s: &str, chars: usize) -> u32 {
    utf16_len(&s.chars().take(chars).collect::<String>())
}

fn sticky_json(s: &StickyIndex) -> Option<serde_json::Value> {
    serde_json::to_value(s).ok()
}

/// The text of the criterion with `id`.
fn criterion_text(txn: &TransactionMut, roots: &Roots, id: &str) -> Option<TextRef> {
    roots.criteria.iter(txn).find_map(|v| match v {
        Out::YMap(m) => match (m.get(txn, "id"), m.get(txn, "text")) {
            (Some(Out::Any(Any::String(s))), Some(Out::YText(t))) if &*s == id => Some(t),
            _ => None,
        },
        _ => None,
    })
}

impl Sink {
    pub(crate) fn new(job: &Job, position: Option<usize>) -> Self {
        Self {
            kind: job.generation.kind,
            item: job.generation.item_id,
            item_type: job.context.item_type,
            project: job.project,
            writer: Writer {
                user_id: job.generation.started_by,
                ai: true,
            },
            client: job.generation.client_id,
            actor: job.actor.clone(),
            position,
            shared: Arc::new(Mutex::new(Shared::default())),
            line: String::new(),
            children: Vec::new(),
            first: true,
        }
    }

    /// The children created so far.
    pub(crate) fn children(&self) -> &[ItemId] {
        &self.children
    }

    /// Writes one token; returns the AI's cursor after it, when it has one.
    pub(crate) async fn write(
        &mut self,
        app: &App,
        token: &str,
    ) -> Result<Option<serde_json::Value>, String> {
        match self.kind {
            GenerationKind::Description => self.write_description(app, token).await,
            GenerationKind::AcceptanceCriteria => self.write_criteria(app, token).await,
            GenerationKind::Children => {
                for ch in token.chars() {
                    if ch == '\n' {
                        self.create_child(app).await?;
                    } else {
                        self.line.push(ch);
                    }
                }
                Ok(None)
            }
        }
    }

    /// Ends the writing when the provider finished: the last child line is created.
    pub(crate) async fn finish(&mut self, app: &App) -> Result<(), String> {
        if self.kind == GenerationKind::Children {
            self.create_child(app).await?;
        }
        Ok(())
    }

    async fn create_child(&mut self, app: &App) -> Result<(), String> {
        let line = std::mem::take(&mut self.line);
        let title: String = line
            .trim()
            .trim_start_matches(['-', '*', '•'])
            .trim()
            .chars()
            .take(500)
            .collect();
        if title.is_empty() || validate_title(&title).is_err() {
            return Ok(());
        }
        let Some(t) = child_type(self.item_type) else {
            return Err("a task has no child items".into());
        };
        let item = app
            .create_item(
                &self.actor,
                self.project,
                NewItem {
                    placement: Placement {
                        parent_id: Some(self.item),
                        ..Placement::default()
                    },
                    item_type: t,
                    title,
                    description: String::new(),
                    acceptance_criteria: Vec::new(),
                    status: None,
                    priority: None,
                    assignee_id: None,
                },
            )
            .await
            .map_err(|e| format!("creating a child item failed: {e}"))?;
        self.children.push(item.id);
        Ok(())
    }

    async fn write_description(
        &mut self,
        app: &App,
        token: &str,
    ) -> Result<Option<serde_json::Value>, String> {
        let shared = self.shared.clone();
        let token = token.to_owned();
        let first = std::mem::replace(&mut self.first, false);
        let position = self.position;
        app.collab()
            .edit_as(
                self.item,
                self.writer,
                Some(self.client),
                Box::new(move |txn, roots| {
                    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                    let text = &roots.description;
                    let current = text.get_string(txn);
                    let len = utf16_len(&current);
                    let at = match &s.at {
                        Some(sticky) => sticky.get_offset(txn).map_or(len, |o| o.index),
                        None => position.map_or(len, |p| utf16_offset(&current, p)),
                    }
                    .min(len);
                    let mut piece = token;
                    if first && position.is_none() && at == len && !current.is_empty() {
                        // Appended text starts a paragraph of its own.
                        let sep = if current.ends_with("\n\n") {
                            ""
                        } else if current.ends_with('\n') {
                            "\n"
                        } else {
                            "\n\n"
                        };
                        piece = format!("{sep}{piece}");
                    }
                    if current.len() + piece.len() > MAX_DESCRIPTION_BYTES {
                        s.refused = Some(format!(
                            "the description reached the largest size allowed \
                             ({MAX_DESCRIPTION_BYTES} bytes)"
                        ));
                        return;
                    }
                    text.insert(txn, at, &piece);
                    let end = at + utf16_len(&piece);
                    s.at = text.sticky_index(txn, end, Assoc::Before);
                    s.cursor = s.at.as_ref().and_then(sticky_json);
                }),
            )
            .await
            .map_err(|e| format!("writing into the document failed: {e}"))?;
        if let Some(why) = self.refused() {
            return Err(why);
        }
        Ok(self.cursor())
    }

    async fn write_criteria(
        &mut self,
        app: &App,
        token: &str,
    ) -> Result<Option<serde_json::Value>, String> {
        let shared = self.shared.clone();
        let token = token.to_owned();
        app.collab()
            .edit_as(
                self.item,
                self.writer,
                Some(self.client),
                Box::new(move |txn, roots| {
                    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                    let mut parts = token.split('\n').peekable();
                    while let Some(part) = parts.next() {
                        let mut piece = part.replace('\r', "");
                        let target = match &s.criterion {
                            Some(id) => criterion_text(txn, roots, id),
                            None => None,
                        };
                        let target = match target {
                            Some(t) => Some(t),
                            None if piece.trim().is_empty() => None,
                            None if roots.criteria.len(txn) as usize >= MAX_CRITERIA => {
                                s.refused = Some(format!(
                                    "the item has the most acceptance criteria allowed \
                                     ({MAX_CRITERIA})"
                                ));
                                None
                            }
                            None => {
                                piece = piece
                                    .trim_start()
                                    .trim_start_matches(['-', '*', '•'])
                                    .trim_start()
                                    .to_owned();
                                let id = uuid::Uuid::now_v7().to_string();
                                let n = roots.criteria.len(txn);
                                let map = roots.criteria.insert(txn, n, MapPrelim::default());
                                map.insert(txn, "id", id.as_str());
                                map.insert(txn, "done", false);
                                let t = map.insert(txn, "text", TextPrelim::new(""));
                                s.criterion = Some(id);
                                Some(t)
                            }
                        };
                        if let Some(t) = target {
                            let text = t.get_string(txn);
                            if text.chars().count() + piece.chars().count() > MAX_CRITERION_CHARS {
                                s.refused = Some(format!(
                                    "an acceptance criterion reached the longest length \
                                     allowed ({MAX_CRITERION_CHARS} characters)"
                                ));
                                return;
                            }
                            let end = utf16_len(&text);
                            t.insert(txn, end, &piece);
                            let end = end + utf16_len(&piece);
                            s.at = t.sticky_index(txn, end, Assoc::Before);
                            s.cursor = s.at.as_ref().and_then(sticky_json);
                        }
                        if parts.peek().is_some() {
                            // A line ended: the next text is a new criterion.
                            s.criterion = None;
                        }
                    }
                }),
            )
            .await
            .map_err(|e| format!("writing into the document failed: {e}"))?;
        if let Some(why) = self.refused() {
            return Err(why);
        }
        Ok(self.cursor())
    }

    fn refused(&self) -> Option<String> {
        self.shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .refused
            .clone()
    }

    fn cursor(&self) -> Option<serde_json::Value> {
        self.shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .cursor
            .clone()
    }
}
