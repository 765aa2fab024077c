//! Export (Markdown or JSON) and import of the JSON into a new project.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use spectree_domain::ids::{ProjectId, TeamId};
use spectree_domain::spec::export::ProjectExport;

use super::views::{ExportFormat, ExportQuery, ImportQuery, ImportedView, ProjectView};
use crate::auth::Authenticated;
use crate::error::{ApiResult, ProblemView};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;

/// Export a project: one Markdown document (headings by depth, criteria as checklists), or
/// the JSON document that imports back losslessly.
#[utoipa::path(get, path = "/api/v1/projects/{project}/export", tag = "projects",
    params(("project" = ProjectId, Path, description = "Project id"), ExportQuery),
    responses((status = 200, description = "The export",
            content((ProjectExport = "application/json"), (String = "text/markdown"))),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn export_project(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(project): ApiPath<ProjectId>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    Ok(match q.format {
        ExportFormat::Markdown => {
            let pieces = state.app.export_markdown(&actor, project).await?;
            // The document is sent as it is rendered; a failure after the start can only cut
            // the body short (the status line is gone), so it is logged and the body aborted.
            let body = Body::from_stream(futures_util::stream::unfold(pieces, |mut rx| async {
                let piece = rx.recv().await?;
                let piece = piece.map_err(|e| {
                    tracing::error!(error = %e, "markdown export failed mid-stream");
                    std::io::Error::other("export failed")
                });
                Some((piece, rx))
            }));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "text/markdown; charset=utf-8".to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{project}.md\""),
                    ),
                ],
                body,
            )
                .into_response()
        }
        ExportFormat::Json => {
            let doc = state.app.export_project(&actor, project).await?;
            (
                [(
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{project}.json\""),
                )],
                Json(doc),
            )
                .into_response()
        }
    })
}

/// Import a JSON export as a new project of the team (Editors and up), in one transaction.
#[utoipa::path(post, path = "/api/v1/teams/{team}/projects/import", tag = "projects",
    request_body = ProjectExport,
    params(("team" = TeamId, Path, description = "Team id"), ImportQuery),
    responses((status = 201, description = "Imported", body = ImportedView),
        (status = 403, description = "Not allowed", body = ProblemView, content_type = "application/problem+json"),
        (status = 404, description = "Not found", body = ProblemView, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = ProblemView, content_type = "application/problem+json"),
        (status = 422, description = "Invalid document", body = ProblemView, content_type = "application/problem+json")))]
pub(super) async fn import_project(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    ApiPath(team): ApiPath<TeamId>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    ApiJson(doc): ApiJson<ProjectExport>,
) -> ApiResult<(StatusCode, Json<ImportedView>)> {
    let out = state
        .app
        .import_project(&actor, team, doc, q.name, q.slug)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportedView {
            project: ProjectView::from(&out.project),
            items_created: out.items,
            unassigned: out.unassigned,
        }),
    ))
}
