//! What a shared view is made of and the limits a definition must keep.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{ItemId, UserId};
use crate::spec::search::query_words;
use crate::spec::{ItemType, Priority, Status};

/// Longest view name, in characters.
pub const MAX_VIEW_NAME_CHARS: usize = 100;
/// Most values one filter list may hold.
pub const MAX_FILTER_VALUES: usize = 50;
/// Longest text filter, in characters.
pub const MAX_TEXT_CHARS: usize = 200;
/// Most sort keys.
pub const MAX_SORT_KEYS: usize = 4;
/// Most visible columns.
pub const MAX_COLUMNS: usize = 12;
/// Largest definition, in bytes of JSON.
pub const MAX_DEFINITION_BYTES: usize = 8 * 1024;

/// Why a view name or definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ViewRuleError {
    /// The name is empty, too long or has control characters.
    #[error("a view name is 1 to {MAX_VIEW_NAME_CHARS} characters without control characters")]
    InvalidName,
    /// The definition breaks a rule (the message says which).
    #[error("invalid view definition: {0}")]
    InvalidDefinition(String),
    /// The definition is larger than [`MAX_DEFINITION_BYTES`].
    #[error("a view definition holds at most {MAX_DEFINITION_BYTES} bytes of JSON")]
    DefinitionTooLarge,
}

/// Who sees a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Only its owner.
    Private,
    /// Everyone who may see the project (the link opens it for them).
    Team,
}

impl Visibility {
    /// The stable name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Team => "team",
        }
    }
}

impl FromStr for Visibility {
    type Err = ViewRuleError;
    fn from_str(s: &str) -> Result<Self, ViewRuleError> {
        match s {
            "private" => Ok(Visibility::Private),
            "team" => Ok(Visibility::Team),
            _ => Err(ViewRuleError::InvalidDefinition(format!(
                "unknown visibility {s:?}"
            ))),
        }
    }
}

/// One value of the assignee filter: `me` (whoever runs the view), `none` (unassigned) or a
/// user id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssigneeFilter {
    /// The person running the view.
    Me,
    /// Items nobody is assigned to.
    Unassigned,
    /// Items assigned to this user.
    User(UserId),
}

impl fmt::Display for AssigneeFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssigneeFilter::Me => f.write_str("me"),
            AssigneeFilter::Unassigned => f.write_str("none"),
            AssigneeFilter::User(u) => write!(f, "{u}"),
        }
    }
}

impl FromStr for AssigneeFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "me" => Ok(AssigneeFilter::Me),
            "none" => Ok(AssigneeFilter::Unassigned),
            other => other
                .parse()
                .map(AssigneeFilter::User)
                .map_err(|_| format!("assignee {other:?} is not \"me\", \"none\" or a user id")),
        }
    }
}

impl Serialize for AssigneeFilter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AssigneeFilter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for AssigneeFilter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("`me`, `none` (unassigned) or a user id"))
            .into()
    }
}

impl utoipa::ToSchema for AssigneeFilter {}

/// Which items a view shows; every given filter must match (values within one list are
/// alternatives). Empty lists do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ViewFilters {
    /// Item types.
    pub types: Vec<ItemType>,
    /// Statuses.
    pub statuses: Vec<Status>,
    /// Priorities.
    pub priorities: Vec<Priority>,
    /// Assignees: `me`, `none` or user ids.
    #[schema(value_type = Vec<String>)]
    pub assignees: Vec<AssigneeFilter>,
    /// Words every item must contain (word prefixes, as the project search matches them).
    pub text: Option<String>,
    /// Only this item and its descendants.
    pub subtree: Option<ItemId>,
}

/// A field a view sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    /// The order of the spec tree (parents first, siblings by position).
    Tree,
    /// Title, case-insensitive.
    Title,
    /// Type, epic first.
    Type,
    /// Status, in workflow order (draft first).
    Status,
    /// Priority, low first.
    Priority,
    /// Assignee id (unassigned last).
    Assignee,
    /// Creation time.
    Created,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

/// One sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SortKey {
    /// The field.
    pub field: SortField,
    /// The direction (default ascending).
    #[serde(default)]
    pub direction: SortDirection,
}

/// What a view groups its items by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// Status.
    Status,
    /// Type.
    Type,
    /// Priority.
    Priority,
    /// Assignee.
    Assignee,
}

/// A column a view shows. `description` and `acceptance_criteria` make running the view
/// read the items' content too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// Title.
    Title,
    /// Type.
    Type,
    /// Status.
    Status,
    /// Priority.
    Priority,
    /// Assignee.
    Assignee,
    /// Parent item.
    Parent,
    /// Markdown description.
    Description,
    /// Acceptance criteria.
    AcceptanceCriteria,
}

fn default_columns() -> Vec<Column> {
    vec![
        Column::Title,
        Column::Type,
        Column::Status,
        Column::Priority,
        Column::Assignee,
    ]
}

/// A view's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewDefinition {
    /// Which items.
    #[serde(default)]
    pub filters: ViewFilters,
    /// Sort keys, most significant first (default: tree order). Within a group when grouped.
    #[serde(default)]
    pub sort: Vec<SortKey>,
    /// Grouping, if any.
    #[serde(default)]
    pub group_by: Option<GroupBy>,
    /// Visible columns, in order (default: title, type, status, priority, assignee).
    #[serde(default = "default_columns")]
    pub columns: Vec<Column>,
}

impl Default for ViewDefinition {
    fn default() -> Self {
        Self {
            filters: ViewFilters::default(),
            sort: Vec::new(),
            group_by: None,
            columns: default_columns(),
        }
    }
}

impl ViewDefinition {
    /// Whether running the view needs the items' descriptions and criteria.
    pub fn needs_content(&self) -> bool {
        self.columns
            .iter()
            .any(|c| matches!(c, Column::Description | Column::AcceptanceCriteria))
    }
}

/// Checks a view name; returns it trimmed.
pub fn validate_view_name(name: &str) -> Result<String, ViewRuleError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_VIEW_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ViewRuleError::InvalidName);
    }
    Ok(name.to_owned())
}

fn no_repeats<T: PartialEq + fmt::Debug>(what: &str, list: &[T]) -> Result<(), ViewRuleError> {
    for (i, v) in list.iter().enumerate() {
        if list[..i].contains(v) {
            return Err(ViewRuleError::InvalidDefinition(format!(
                "{what} lists {v:?} twice"
            )));
        }
    }
    Ok(())
}

fn at_most(what: &str, len: usize, max: usize) -> Result<(), ViewRuleError> {
    if len > max {
        return Err(ViewRuleError::InvalidDefinition(format!(
            "{what} holds at most {max} values"
        )));
    }
    Ok(())
}

/// Checks a definition against the limits: list sizes, no repeats, a text filter with words,
/// at least one column, and the size of its JSON.
pub fn validate_definition(d: &ViewDefinition) -> Result<(), ViewRuleError> {
    let f = &d.filters;
    at_most("filters.types", f.types.len(), MAX_FILTER_VALUES)?;
    at_most("filters.statuses", f.statuses.len(), MAX_FILTER_VALUES)?;
    at_most("filters.priorities", f.priorities.len(), MAX_FILTER_VALUES)?;
    at_most("filters.assignees", f.assignees.len(), MAX_FILTER_VALUES)?;
    no_repeats("filters.types", &f.types)?;
    no_repeats("filters.statuses", &f.statuses)?;
    no_repeats("filters.priorities", &f.priorities)?;
    no_repeats("filters.assignees", &f.assignees)?;
    if let Some(text) = &f.text {
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(ViewRuleError::InvalidDefinition(format!(
                "filters.text holds at most {MAX_TEXT_CHARS} characters"
            )));
        }
        if query_words(text).is_empty() {
            return Err(ViewRuleError::InvalidDefinition(
                "filters.text has no words to search for".into(),
            ));
        }
    }
    at_most("sort", d.sort.len(), MAX_SORT_KEYS)?;
    let fields: Vec<SortField> = d.sort.iter().map(|k| k.field).collect();
    no_repeats("sort", &fields)?;
    if d.columns.is_empty() {
        return Err(ViewRuleError::InvalidDefinition(
            "columns needs at least one column".into(),
        ));
    }
    at_most("columns", d.columns.len(), MAX_COLUMNS)?;
    no_repeats("columns", &d.columns)?;
    let bytes = serde_json::to_vec(d)
        .map_err(|e| ViewRuleError::InvalidDefinition(e.to_string()))?
        .len();
    if bytes > MAX_DEFINITION_BYTES {
        return Err(ViewRuleError::DefinitionTooLarge);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<ViewDefinition, String> {
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_definition_takes_the_defaults() {
        let d = parse(serde_json::json!({})).unwrap();
        assert_eq!(d, ViewDefinition::default());
        assert!(validate_definition(&d).is_ok());
        assert!(!d.needs_content());
    }

    #[test]
    fn unknown_fields_and_values_are_refused() {
        assert!(parse(serde_json::json!({"filter": {}})).is_err());
        assert!(parse(serde_json::json!({"filters": {"statuses": ["later"]}})).is_err());
        assert!(parse(serde_json::json!({"filters": {"assignees": ["bob"]}})).is_err());
        assert!(parse(serde_json::json!({"group_by": "title"})).is_err());
        assert!(parse(serde_json::json!({"columns": ["colour"]})).is_err());
    }

    #[test]
    fn assignee_filters_round_trip() {
        let u = UserId::new();
        let d = parse(serde_json::json!({"filters": {"assignees": ["me", "none", u.to_string()]}}))
            .unwrap();
        assert_eq!(
            d.filters.assignees,
            vec![
                AssigneeFilter::Me,
                AssigneeFilter::Unassigned,
                AssigneeFilter::User(u)
            ]
        );
        let back = serde_json::to_value(&d).unwrap();
        assert_eq!(back["filters"]["assignees"][2], u.to_string());
    }

    #[test]
    fn limits_are_enforced() {
        let mut d = ViewDefinition::default();
        d.filters.statuses = vec![Status::Done, Status::Done];
        assert!(matches!(
            validate_definition(&d),
            Err(ViewRuleError::InvalidDefinition(_))
        ));
        let mut d = ViewDefinition::default();
        d.filters.text = Some(" -- ".into());
        assert!(validate_definition(&d).is_err());
        d.filters.text = Some("x".repeat(MAX_TEXT_CHARS + 1));
        assert!(validate_definition(&d).is_err());
        let mut d = ViewDefinition::default();
        d.columns.clear();
        assert!(validate_definition(&d).is_err());
        let d = ViewDefinition {
            sort: vec![
                SortKey {
                    field: SortField::Title,
                    direction: SortDirection::Asc,
                };
                2
            ],
            ..ViewDefinition::default()
        };
        assert!(validate_definition(&d).is_err());
        let mut d = ViewDefinition::default();
        d.filters.assignees = (0..MAX_FILTER_VALUES + 1)
            .map(|_| AssigneeFilter::User(UserId::new()))
            .collect();
        assert!(validate_definition(&d).is_err());
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(validate_view_name("  Open bugs ").unwrap(), "Open bugs");
        assert!(validate_view_name("   ").is_err());
        assert!(validate_view_name("a\nb").is_err());
        assert!(validate_view_name(&"n".repeat(MAX_VIEW_NAME_CHARS + 1)).is_err());
    }
}
