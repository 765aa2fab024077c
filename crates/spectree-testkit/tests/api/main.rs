//! Black-box tests of the API: a real server on port 0 over SQLite, or over PostgreSQL when
//! `SPECTREE_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod activity;
mod ai_generation;
mod audit;
mod audit_events;
mod audit_query;
mod audit_retention;
mod audit_verify;
mod auth;
mod bad_input;
mod browser;
mod cluster;
mod collab;
mod collab_conflicts;
mod discussion;
mod history;
mod invitations;
mod mail;
mod notifications;
mod ops;
mod orgs;
mod session_streams;
mod sessions;
mod shared_views;
mod spec_events;
mod spec_items;
mod spec_tree;
mod support;
mod tenancy;
mod tokens;
mod web;
mod webhooks;
