//! The tree: positions, moves, trash, search, export and import.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spectree_store::Dialect;
use spectree_testkit::TestServer;

use crate::support::{item, member, project_fixture, tree_titles};

#[tokio::test]
async fn items_go_before_or_after_siblings_and_concurrent_inserts_keep_a_stable_order() {
    let (server, owner, _, _, project) = project_fixture().await;
    let a = item(&owner, &project, json!({"type": "epic", "title": "A"})).await;
    let c = item(&owner, &project, json!({"type": "epic", "title": "C"})).await;
    item(
        &owner,
        &project,
        json!({"type": "epic", "title": "B", "after_id": a}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "epic", "title": "0", "before_id": a}),
    )
    .await;
    item(
        &owner,
        &project,
        json!({"type": "epic", "title": "D", "after_id": c}),
    )
    .await;
    let titles: Vec<String> = tree_titles(&owner, &project)
        .await
        .into_iter()
        .map(|t| t.1)
        .collect();
    assert_eq!(titles, ["0", "A", "B", "C", "D"]);

    // Eight clients insert right after A at once: all land between A and B, in one order
    // that every reader sees the same.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (c, p, a) = (owner.clone(), project.clone(), a.clone());
        tasks.push(tokio::spawn(async move {
            item(
                &c,
                &p,
                json!({"type": "epic", "title": format!("x{i}"), "after_id": a}),
            )
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let first: Vec<String> = tree_titles(&owner, &project)
        .await
        .into_iter()
        .map(|t| t.1)
        .collect();
    assert_eq!(first.len(), 13);
    assert_eq!(&first[..2], ["0", "A"]);
    assert_eq!(&first[10..], ["B", "C", "D"]);
    for _ in 0..3 {
        let again: Vec<String> = tree_titles(&owner, &project)
            .await
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(again, first);
    }
    server.stop().await;
}

#[tokio::test]
async fn moves_reparent_and_reorder_and_refuse_cycles() {
    let (server, owner, _, _, project) = project_fixture().await;
    let e1 = item(&owner, &project, json!({"type": "epic", "title": "E1"})).await;
    let e2 = item(&owner, &project, json!({"type": "epic", "title": "E2"})).await;
    let f1 = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "F1", "parent_id": e1}),
    )
    .await;
    let f2 = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "F2", "parent_id": e1}),
    )
    .await;
    let s1 = item(
        &owner,
        &project,
        json!({"type": "story", "title": "S1", "parent_id": f1}),
    )
    .await;

    let r = owner
        .post(
            &format!("/api/v1/items/{f1}/move"),
            &json!({"parent_id": e2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("etag").is_some());
    let r = owner
        .post(
            &format!("/api/v1/items/{e2}/move"),
            &json!({"parent_id": f2}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "rank_violation"));
    let r = owner
        .post(
            &format!("/api/v1/items/{e2}/move"),
            &json!({"before_id": e1}),
        )
        .await;
    assert_eq!(r.status, 200, "reorder keeps the parent: {}", r.body);
    assert_eq!(
        tree_titles(&owner, &project).await,
        vec![
            (0, "E2".into()),
            (1, "F1".into()),
            (2, "S1".into()),
            (0, "E1".into()),
            (1, "F2".into())
        ]
    );
    let r = owner
        .post(
            &format!("/api/v1/items/{e2}/move"),
            &json!({"parent_id": s1}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "move_into_own_subtree"));
    let r = owner
        .post(
            &format!("/api/v1/items/{f1}/move"),
            &json!({"parent_id": f1}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "move_into_own_subtree"));
    let r = owner
        .post(
            &format!("/api/v1/items/{s1}/move"),
            &json!({"parent_id": f2, "after_id": e1}),
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid_anchor"));
    server.stop().await;
}

/// Every live item is reachable from the root exactly once, with no cycle.
fn assert_tree_is_sound(tree: &Value) {
    let items = tree["items"].as_array().unwrap();
    let ids: std::collections::HashSet<&str> =
        items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), items.len(), "an item appears twice");
    for i in items {
        if let Some(p) = i["parent_id"].as_str() {
            assert!(ids.contains(p), "{} hangs under a missing parent", i["id"]);
        }
    }
}

#[tokio::test]
async fn racing_moves_never_break_the_tree() {
    let (server, owner, _, _, project) = project_fixture().await;
    let mut epics = Vec::new();
    for i in 0..3 {
        epics.push(
            item(
                &owner,
                &project,
                json!({"type": "epic", "title": format!("E{i}")}),
            )
            .await,
        );
    }
    let mut features = Vec::new();
    for i in 0..6 {
        features.push(
            item(
                &owner,
                &project,
                json!({"type": "feature", "title": format!("F{i}"), "parent_id": epics[0]}),
            )
            .await,
        );
    }
    let mut tasks = Vec::new();
    for round in 0..4 {
        for (i, f) in features.iter().enumerate() {
            let (c, f, to) = (owner.clone(), f.clone(), epics[(i + round) % 3].clone());
            tasks.push(tokio::spawn(async move {
                c.post(
                    &format!("/api/v1/items/{f}/move"),
                    &json!({"parent_id": to}),
                )
                .await
                .status
            }));
            // The opposite move of an epic under a feature races along; ranks refuse it.
            let (c, e, f) = (
                owner.clone(),
                epics[i % 3].clone(),
                features[(i + 1) % 6].clone(),
            );
            tasks.push(tokio::spawn(async move {
                c.post(&format!("/api/v1/items/{e}/move"), &json!({"parent_id": f}))
                    .await
                    .status
            }));
        }
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => ok += 1,
            422 => {}
            s => panic!("unexpected status {s}"),
        }
    }
    assert_eq!(
        ok, 24,
        "every feature move succeeds; every epic move is refused"
    );
    let tree = owner
        .get(&format!("/api/v1/projects/{project}/tree"))
        .await
        .body;
    assert_eq!(tree["items"].as_array().unwrap().len(), 9);
    assert_tree_is_sound(&tree);
    server.stop().await;
}

#[tokio::test]
async fn the_tree_comes_whole_in_one_call_with_descriptions_on_request() {
    let (server, owner, _, _, project) = project_fixture().await;
    let e = item(
        &owner,
        &project,
        json!({"type": "epic", "title": "E", "description": "Why"}),
    )
    .await;
    item(&owner, &project, json!({"type": "story", "title": "S", "parent_id": e, "acceptance_criteria": [{"text": "ok"}]})).await;
    let plain = owner
        .get(&format!("/api/v1/projects/{project}/tree"))
        .await
        .body;
    assert!(plain["items"][0].get("description").is_none());
    assert_eq!(plain["items"][1]["depth"], 1);
    assert_eq!(plain["items"][1]["parent_id"], e.as_str());
    let full = owner
        .get(&format!(
            "/api/v1/projects/{project}/tree?descriptions=true"
        ))
        .await
        .body;
    assert_eq!(full["items"][0]["description"], "Why");
    assert_eq!(full["items"][1]["acceptance_criteria"][0]["text"], "ok");
    server.stop().await;
}

#[tokio::test]
async fn titles_come_back_exactly_whatever_they_hold() {
    // The tree is read from the database as one packed value whose records and fields are
    // separated by `;` and `,`, and whose titles go as their bytes: titles full of those,
    // of quotes, digits and other scripts must come back as they were, in order.
    let (server, owner, _, _, project) = project_fixture().await;
    let titles = [
        "Plain",
        "a,b;c",
        ";",
        ",",
        "12,",
        "Ends with a comma,",
        "\"Quoted\" \\ back\\slash",
        "\u{e9}t\u{e9} \u{65e5}\u{672c} \u{1f600};,",
        "x".repeat(500).as_str(),
    ]
    .map(str::to_owned);
    let epic = item(
        &owner,
        &project,
        json!({"type": "epic", "title": titles[0]}),
    )
    .await;
    for t in &titles[1..] {
        item(
            &owner,
            &project,
            json!({"type": "feature", "title": t, "parent_id": epic}),
        )
        .await;
    }
    let got = tree_titles(&owner, &project).await;
    let want: Vec<(u64, String)> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| (u64::from(i > 0), t.clone()))
        .collect();
    assert_eq!(got, want);
    server.stop().await;
}

#[tokio::test]
async fn deleting_sends_a_subtree_to_the_trash_and_managers_restore_or_purge_it() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (editor, editor_id) = member(&server, &owner, &org, "ed@acme.example", None).await;
    owner
        .put(
            &format!("/api/v1/teams/{team}/members/{editor_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    let e = item(&owner, &project, json!({"type": "epic", "title": "E"})).await;
    let f = item(
        &owner,
        &project,
        json!({"type": "feature", "title": "F", "parent_id": e}),
    )
    .await;
    let s = item(
        &owner,
        &project,
        json!({"type": "story", "title": "S", "parent_id": f}),
    )
    .await;
    item(&owner, &project, json!({"type": "epic", "title": "Keep"})).await;

    let r = editor.delete(&format!("/api/v1/items/{e}")).await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    // The story goes first, on its own; then the epic with what is left under it.
    assert_eq!(
        owner.delete(&format!("/api/v1/items/{s}")).await.body["trashed"],
        1
    );
    assert_eq!(
        owner.delete(&format!("/api/v1/items/{e}")).await.body["trashed"],
        2
    );
    assert_eq!(
        tree_titles(&owner, &project).await,
        vec![(0, "Keep".into())]
    );
    let r = owner
        .patch(
            &format!("/api/v1/items/{f}"),
            &json!({"title": "Edit in trash"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "item_in_trash"));

    let trash = owner
        .get(&format!("/api/v1/projects/{project}/trash"))
        .await
        .body;
    let entries = trash["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["item_id"], e.as_str());
    assert_eq!(entries[0]["count"], 2);

    let r = owner
        .post_empty(&format!("/api/v1/projects/{project}/trash/{s}/restore"))
        .await;
    assert_eq!((r.status, r.code()), (409, "parent_in_trash"));
    let r = editor
        .post_empty(&format!("/api/v1/projects/{project}/trash/{e}/restore"))
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    let r = owner
        .post_empty(&format!("/api/v1/projects/{project}/trash/{e}/restore"))
        .await;
    assert_eq!(r.body["restored"], 2);
    assert_eq!(
        tree_titles(&owner, &project).await,
        vec![(0, "E".into()), (1, "F".into()), (0, "Keep".into())],
        "restored in place; the separately deleted story stays in the trash"
    );
    let r = owner
        .post_empty(&format!("/api/v1/projects/{project}/trash/{f}/restore"))
        .await;
    assert_eq!((r.status, r.code()), (409, "not_in_trash"));

    assert_eq!(
        owner
            .delete(&format!("/api/v1/projects/{project}/trash/{s}"))
            .await
            .status,
        204
    );
    assert_eq!(owner.get(&format!("/api/v1/items/{s}")).await.status, 404);
    assert_eq!(
        owner
            .get(&format!("/api/v1/projects/{project}/trash"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    server.stop().await;
}

#[tokio::test]
async fn the_trash_is_purged_after_the_retention_period() {
    let server = TestServer::start_with(|c| {
        c.spec.trash_retention = Duration::from_secs(3600);
        c.spec.trash_purge_interval = Duration::from_millis(50);
    })
    .await;
    let owner = server.admin().await;
    let org = owner.create_org("Acme", "acme").await;
    let team = owner.create_team(&org, "Core", "core").await;
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/projects"),
            &json!({"name": "P", "slug": "pp"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let project = r.body["id"].as_str().unwrap().to_owned();
    let e = item(&owner, &project, json!({"type": "epic", "title": "Old"})).await;
    item(
        &owner,
        &project,
        json!({"type": "feature", "title": "Child", "parent_id": e}),
    )
    .await;
    owner.delete(&format!("/api/v1/items/{e}")).await;
    // Within the retention period the purge leaves it alone.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(owner.get(&format!("/api/v1/items/{e}")).await.status, 200);
    server.clock.advance(Duration::from_secs(3601));
    assert_eq!(
        owner
            .login("admin@example.com", spectree_testkit::PASSWORD)
            .await
            .status,
        200
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while owner.get(&format!("/api/v1/items/{e}")).await.status != 404 {
        assert!(
            Instant::now() < deadline,
            "the expired trash was not purged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn search_matches_word_prefixes_in_titles_descriptions_and_criteria() {
    let (server, owner, _, _, project) = project_fixture().await;
    let login = item(&owner, &project, json!({"type": "story", "title": "Log-in with SSO", "description": "Users authenticate through SAML."})).await;
    let reset = item(&owner, &project, json!({"type": "story", "title": "Password reset", "acceptance_criteria": [{"text": "A mailed link logs the user in"}]})).await;
    let umlaut = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Über-Straße Lieferung"}),
    )
    .await;
    let gone = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Logging retired"}),
    )
    .await;
    owner.delete(&format!("/api/v1/items/{gone}")).await;
    let search = |q: &str| {
        let (c, p, q) = (owner.clone(), project.clone(), q.to_owned());
        async move {
            let r = c
                .get(&format!("/api/v1/projects/{p}/search?q={}", urlencode(&q)))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("log").await, vec![login.clone(), reset.clone()]);
    assert_eq!(search("LOG sso").await, vec![login.clone()]);
    assert_eq!(search("saml").await, vec![login.clone()]);
    assert_eq!(search("mailed LIN").await, vec![reset.clone()]);
    assert_eq!(search("über stra").await, vec![umlaut.clone()]);
    assert!(search("authenticated").await.is_empty(), "no stemming");
    assert!(search("ogin").await.is_empty(), "prefixes only");
    let r = owner
        .get(&format!("/api/v1/projects/{project}/search?q=%20-%20"))
        .await;
    assert_eq!((r.status, r.code()), (400, "empty_query"));
    // Edits reach the index.
    owner
        .patch(
            &format!("/api/v1/items/{reset}"),
            &json!({"title": "Recover account", "acceptance_criteria": []}),
        )
        .await;
    assert_eq!(search("log").await, vec![login.clone()]);
    // Pages follow the cursor.
    let r = owner
        .get(&format!("/api/v1/projects/{project}/search?q=s&limit=1"))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert!(r.body["next_cursor"].is_string());
    server.stop().await;
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn a_json_export_imports_back_losslessly_and_markdown_reads_as_a_document() {
    let (server, owner, org, team, project) = project_fixture().await;
    let (_, dev) = member(&server, &owner, &org, "dev@acme.example", Some("editor")).await;
    let r = owner
        .post(&format!("/api/v1/projects/{project}/items/bulk"), &json!({"items": [
            {"ref": "e", "type": "epic", "title": "Payments", "description": "Money in.\n\nAnd out.", "priority": "high"},
            {"ref": "f", "parent_ref": "e", "type": "feature", "title": "Cards", "status": "in_progress", "assignee_id": dev},
            {"parent_ref": "f", "type": "story", "title": "Pay by card", "acceptance_criteria": [
                {"text": "3-D Secure is honoured", "done": true}, {"text": "Declines are explained"}]},
            {"parent_ref": "e", "type": "task", "title": "Talk to the PSP"},
            {"type": "epic", "title": "Refunds"}
        ]}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let md = owner
        .get(&format!(
            "/api/v1/projects/{project}/export?format=markdown"
        ))
        .await;
    assert!(
        md.header("content-type")
            .unwrap()
            .starts_with("text/markdown")
    );
    let md = md.body.as_str().unwrap().to_owned();
    assert!(md.starts_with("# Checkout\n"), "{md}");
    assert!(md.contains("\n## Payments\n"));
    assert!(md.contains("\n### Cards\n\n_feature · in progress · medium · dev@acme.example_\n"));
    assert!(md.contains("\n#### Pay by card\n"));
    assert!(md.contains("- [x] 3-D Secure is honoured\n- [ ] Declines are explained\n"));

    let exported = owner
        .get(&format!("/api/v1/projects/{project}/export?format=json"))
        .await
        .body;
    assert_eq!(exported["format"], "spectree.project.v1");
    assert_eq!(exported["items"].as_array().unwrap().len(), 5);
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/projects/import?slug=checkout-copy&name=Checkout"),
            &exported,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["items_created"], 5);
    assert_eq!(r.body["unassigned"], 0);
    let copy = r.body["project"]["id"].as_str().unwrap().to_owned();
    let again = owner
        .get(&format!("/api/v1/projects/{copy}/export?format=json"))
        .await
        .body;
    assert_eq!(strip_ids(&again), strip_ids(&exported));

    // Bad documents change nothing.
    let projects = crate::support::count(&server, "projects").await;
    let mut bad = exported.clone();
    bad["items"][1]["type"] = json!("epic");
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/projects/import?slug=bad"),
            &bad,
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid_import"));
    let mut wrong = exported.clone();
    wrong["format"] = json!("other.v9");
    let r = owner
        .post(
            &format!("/api/v1/teams/{team}/projects/import?slug=bad"),
            &wrong,
        )
        .await;
    assert_eq!((r.status, r.code()), (422, "invalid_import"));
    let r = owner
        .post(&format!("/api/v1/teams/{team}/projects/import"), &exported)
        .await;
    assert_eq!((r.status, r.code()), (409, "slug_taken"));
    assert_eq!(crate::support::count(&server, "projects").await, projects);
    server.stop().await;
}

/// An export with ids replaced by their order, so two exports of equal trees compare equal.
fn strip_ids(doc: &Value) -> Value {
    let mut doc = doc.clone();
    let items = doc["items"].as_array().unwrap().clone();
    let index: std::collections::HashMap<String, usize> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (it["id"].as_str().unwrap().to_owned(), i))
        .collect();
    let mut out = Vec::new();
    for it in items {
        let mut it = it.clone();
        it["id"] = json!(index[it["id"].as_str().unwrap()]);
        if let Some(p) = it["parent_id"].as_str() {
            it["parent_id"] = json!(index[p]);
        }
        out.push(it);
    }
    doc["items"] = json!(out);
    doc["project"]["slug"] = json!("-");
    doc
}

#[tokio::test]
async fn every_spec_mutation_is_audited() {
    let (server, owner, org, team, project) = project_fixture().await;
    let e = item(&owner, &project, json!({"type": "epic", "title": "E"})).await;
    let f = item(&owner, &project, json!({"type": "feature", "title": "F"})).await;
    owner
        .patch(&format!("/api/v1/items/{e}"), &json!({"status": "ready"}))
        .await;
    owner
        .post(&format!("/api/v1/items/{f}/move"), &json!({"parent_id": e}))
        .await;
    owner
        .post(
            &format!("/api/v1/projects/{project}/items/bulk"),
            &json!({"items": [{"type": "task", "title": "T"}]}),
        )
        .await;
    owner.delete(&format!("/api/v1/items/{e}")).await;
    owner
        .post_empty(&format!("/api/v1/projects/{project}/trash/{e}/restore"))
        .await;
    owner.delete(&format!("/api/v1/items/{e}")).await;
    owner
        .delete(&format!("/api/v1/projects/{project}/trash/{e}"))
        .await;
    owner
        .patch(
            &format!("/api/v1/projects/{project}"),
            &json!({"name": "Renamed"}),
        )
        .await;
    let doc = owner
        .get(&format!("/api/v1/projects/{project}/export?format=json"))
        .await
        .body;
    owner
        .post(
            &format!("/api/v1/teams/{team}/projects/import?slug=copy"),
            &doc,
        )
        .await;

    let org_id: spectree_domain::ids::OrgId = org.parse().unwrap();
    server.app().chain_audit().await.unwrap();
    let mut c = server.app().store().read().await.unwrap();
    let records = spectree_app::store::audit::list(&mut c, org_id, 0, 1000)
        .await
        .unwrap();
    drop(c);
    assert_eq!(
        spectree_domain::audit::verify_chain(&records, spectree_domain::audit::GENESIS_HASH.into()),
        Ok(())
    );
    let actions: Vec<&str> = records.iter().map(|r| r.event.action.as_str()).collect();
    let spec: Vec<&str> = actions
        .into_iter()
        .filter(|a| a.starts_with("item") || a.starts_with("project"))
        .collect();
    assert_eq!(
        spec,
        [
            "project.created",
            "item.created",
            "item.created",
            "item.updated",
            "item.moved",
            "items.bulk_created",
            "item.deleted",
            "item.restored",
            "item.deleted",
            "item.purged",
            "project.updated",
            "project.exported",
            "project.imported"
        ]
    );
    server.stop().await;
}

#[tokio::test]
async fn search_pages_through_common_words_and_finds_rare_ones_among_them() {
    let (server, owner, _, _, project) = project_fixture().await;
    let bulk = format!("/api/v1/projects/{project}/items/bulk");
    let mut first_ids = Vec::new();
    for batch in 0..3 {
        let items: Vec<Value> = (0..1000)
            .map(|i| {
                let extra = if batch == 2 && i == 500 { " needle" } else { "" };
                json!({"type": "task", "title": format!("Common chore {batch}-{i}{extra}"), "description": "Routine maintenance"})
            })
            .collect();
        let r = owner.post(&bulk, &json!({"items": items})).await;
        assert_eq!(r.status, 201);
        if batch == 0 {
            first_ids = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect();
        }
    }
    // Every item has "common" and "routine": the search walks items in id order.
    let r = owner
        .get(&format!(
            "/api/v1/projects/{project}/search?q=routine%20comm&limit=3"
        ))
        .await;
    let ids: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        first_ids[..3]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    let r = owner
        .get(&format!(
            "/api/v1/projects/{project}/search?q=routine%20comm&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(r.body["items"][0]["id"], first_ids[3].as_str());
    // A rare word among common ones drives the search.
    let r = owner
        .get(&format!(
            "/api/v1/projects/{project}/search?q=common%20needle%20rout"
        ))
        .await;
    let hits = r.body["items"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["title"], "Common chore 2-500 needle");
    assert!(
        owner
            .get(&format!("/api/v1/projects/{project}/search?q=common%20zzz"))
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    server.stop().await;
}

#[tokio::test]
async fn search_finds_prefixes_of_every_length_and_purged_items_leave_no_index_rows() {
    let (server, owner, _, _, project) = project_fixture().await;
    let auth = item(&owner, &project, json!({"type": "story", "title": "Authentication flow", "description": "Straßenbahn au pair"})).await;
    let other = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Author page"}),
    )
    .await;
    let search = |q: &str| {
        let (c, p, q) = (owner.clone(), project.clone(), q.to_owned());
        async move {
            let r = c
                .get(&format!("/api/v1/projects/{p}/search?q={}", urlencode(&q)))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let both = vec![auth.clone(), other.clone()];
    // One and two letters walk the items; three and more go through a key of 3 or 5
    // letters and are checked against the item's words.
    assert_eq!(search("a").await, both);
    assert_eq!(search("au").await, both);
    assert_eq!(search("aut").await, both);
    assert_eq!(search("auth").await, both);
    assert_eq!(search("authe").await, vec![auth.clone()]);
    assert_eq!(search("authent").await, vec![auth.clone()]);
    assert_eq!(search("authenti").await, vec![auth.clone()]);
    assert_eq!(search("authentication").await, vec![auth.clone()]);
    assert!(search("authenticationx").await.is_empty());
    assert!(search("authx").await.is_empty());
    assert_eq!(search("straßenb").await, vec![auth.clone()]);
    assert_eq!(search("STRASSE").await, Vec::<String>::new(), "no folding");
    assert_eq!(search("au pai").await, vec![auth.clone()]);
    assert_eq!(search("auth au").await, both);
    assert_eq!(search("pag auth").await, vec![other.clone()]);

    // Items whose words in the database's full-text index include `word`.
    let indexed = |word: &str| {
        let (server, word) = (&server, word.to_owned());
        async move {
            let mut c = server.app().store().read().await.unwrap();
            let (sql, query) = match server.app().store().dialect() {
                Dialect::Sqlite => (
                    "SELECT COUNT(*) AS n FROM item_fts WHERE item_fts MATCH $1",
                    format!("\"{word}\""),
                ),
                Dialect::Postgres => (
                    "SELECT COUNT(*) AS n FROM item_search WHERE lexemes @@ CAST($1 AS tsquery)",
                    format!("'{word}'"),
                ),
            };
            let n: i64 = sqlx::Row::get(
                &sqlx::query(sql)
                    .bind(query)
                    .fetch_one(&mut *c)
                    .await
                    .unwrap(),
                "n",
            );
            n
        }
    };
    assert_eq!(indexed("straßenbahn").await, 1);
    assert_eq!(indexed("page").await, 1);
    assert_eq!(
        owner.delete(&format!("/api/v1/items/{auth}")).await.status,
        200
    );
    assert_eq!(
        search("auth").await,
        vec![other.clone()],
        "trashed items are not found"
    );
    assert_eq!(indexed("straßenbahn").await, 1, "the trash keeps the index");
    assert_eq!(
        owner
            .delete(&format!("/api/v1/projects/{project}/trash/{auth}"))
            .await
            .status,
        204
    );
    assert_eq!(indexed("straßenbahn").await, 0, "purging removes it");
    assert_eq!(rows_of(&server, "item_search", &auth).await, 0);
    assert_eq!(indexed("page").await, 1);
    assert_eq!(search("auth").await, vec![other]);
    server.stop().await;
}

/// Rows of a table for one item.
async fn rows_of(server: &TestServer, table: &str, item: &str) -> i64 {
    let mut c = server.app().store().read().await.unwrap();
    sqlx::Row::get(
        &sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS n FROM {table} WHERE item_id = $1"
        )))
        .bind(item.to_owned())
        .fetch_one(&mut *c)
        .await
        .unwrap(),
        "n",
    )
}

#[tokio::test]
async fn search_finds_new_and_edited_items_at_once_in_creation_order_page_by_page() {
    let (server, owner, _, _, project) = project_fixture().await;
    let old = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Payment gateway"}),
    )
    .await;
    let fresh = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Payment retries"}),
    )
    .await;
    let edited = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Invoice draft"}),
    )
    .await;
    let trashed = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Payment refunds"}),
    )
    .await;
    let search = |q: &str| {
        let (c, p, q) = (owner.clone(), project.clone(), q.to_owned());
        async move {
            let r = c
                .get(&format!("/api/v1/projects/{p}/search?q={}", urlencode(&q)))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search("paym").await,
        vec![old.clone(), fresh.clone(), trashed.clone()]
    );
    // An edit is searchable at once and keeps the item's place in the order.
    let r = owner
        .patch(
            &format!("/api/v1/items/{edited}"),
            &json!({"title": "Payment invoice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(search("draft").await.is_empty(), "old words are gone");
    assert_eq!(search("invo paym").await, vec![edited.clone()]);
    assert_eq!(
        owner
            .delete(&format!("/api/v1/items/{trashed}"))
            .await
            .status,
        200
    );
    let all = vec![old.clone(), fresh.clone(), edited.clone()];
    assert_eq!(search("paym").await, all);
    assert_eq!(search("payment").await, all);
    assert_eq!(search("paym retr").await, vec![fresh.clone()]);
    assert_eq!(search("pay gat").await, vec![old.clone()]);
    let r = owner
        .get(&format!("/api/v1/projects/{project}/search?q=paym&limit=2"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let first: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        first,
        all[..2].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    let r = owner
        .get(&format!(
            "/api/v1/projects/{project}/search?q=paym&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["items"][0]["id"], all[2].as_str());
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["next_cursor"], Value::Null);
    // A cursor the search did not hand out is refused, not read as a place in the order.
    let r = owner
        .get(&format!(
            "/api/v1/projects/{project}/search?q=paym&cursor={old}"
        ))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["code"], "invalid_query");
    server.stop().await;
}
