//! Shared views: a saved, named query over one project's items (filters, sort, grouping and
//! visible columns), private to its owner or shared with everyone who may see the project.
//! This module holds the definition, its limits and the pure rules that run it over rows the
//! spec tree already reads (filter, order, group); the use cases supply the rows.

mod definition;
mod run;

pub use definition::{
    AssigneeFilter, Column, GroupBy, MAX_COLUMNS, MAX_DEFINITION_BYTES, MAX_FILTER_VALUES,
    MAX_SORT_KEYS, MAX_TEXT_CHARS, MAX_VIEW_NAME_CHARS, SortDirection, SortField, SortKey,
    ViewDefinition, ViewFilters, ViewRuleError, Visibility, validate_definition,
    validate_view_name,
};
pub use run::{GroupKey, ViewRow, arrange, group_key};
