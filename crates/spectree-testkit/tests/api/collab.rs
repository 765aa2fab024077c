//! Live documents with real peers: the npm `yjs` + `y-websocket` client against the server.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use spectree_testkit::yjs::YjsPeer;
use spectree_testkit::{Client, TestServer};

use crate::support::{item, member, project_fixture, project_fixture_with};

const WAIT: u64 = 15_000;

pub(crate) async fn token(c: &Client) -> String {
    let r = c
        .post("/api/v1/me/tokens", &json!({"name": "collab"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["secret"].as_str().unwrap().to_owned()
}

pub(crate) async fn peer(server: &TestServer, item: &str, token: &str) -> YjsPeer {
    let mut p = YjsPeer::connect(&server.collab_url(), item, Some(token))
        .await
        .unwrap();
    p.call(json!({"cmd": "waitSynced", "timeoutMs": WAIT}))
        .await
        .unwrap();
    p
}

/// Polls `GET /api/v1/items/{id}` until `check` holds.
async fn until_row(c: &Client, id: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    loop {
        let r = c.get(&format!("/api/v1/items/{id}")).await;
        if check(&r.body) {
            return r.body;
        }
        assert!(
            Instant::now() < deadline,
            "the row never got there: {}",
            r.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_clients_converge_and_live_edits_reach_the_row_and_search() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Sign in", "acceptance_criteria": [{"text": "Works"}]}),
    )
    .await;
    let t = token(&owner).await;
    let mut a = peer(&server, &id, &t).await;
    let mut b = peer(&server, &id, &t).await;
    // The document was seeded from the row.
    assert_eq!(
        a.call(json!({"cmd": "getText", "field": "title"}))
            .await
            .unwrap()["text"],
        "Sign in"
    );
    assert_eq!(
        b.call(json!({"cmd": "getCriteria"})).await.unwrap()["criteria"][0]["text"],
        "Works"
    );

    a.call(json!({"cmd": "insertText", "field": "title", "index": 7, "text": " with passkeys"}))
        .await
        .unwrap();
    b.call(json!({"cmd": "setField", "key": "status", "value": "ready"}))
        .await
        .unwrap();
    b.call(json!({"cmd": "waitFor", "path": "title", "equals": "Sign in with passkeys", "timeoutMs": WAIT})).await.unwrap();
    a.call(
        json!({"cmd": "waitFor", "path": "fields.status", "equals": "ready", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();

    let row = until_row(&owner, &id, |r| {
        r["title"] == "Sign in with passkeys" && r["status"] == "ready"
    })
    .await;
    assert_eq!(row["acceptance_criteria"][0]["text"], "Works");
    let hits = owner
        .get(&format!("/api/v1/projects/{project}/search?q=passk"))
        .await;
    assert_eq!(hits.body["items"][0]["id"], id.as_str());
    server.stop().await;
}

/// Edits that keep coming faster than the debounce still reach the row: no later than
/// `collab.projection_max_wait` after the first one not yet projected.
#[tokio::test]
async fn steady_live_edits_reach_the_row_within_the_maximum_wait() {
    let (server, owner, _, _, project) = project_fixture_with(|c| {
        c.collab.projection_debounce = Duration::from_secs(3600);
        c.collab.projection_max_wait = Duration::from_millis(200);
    })
    .await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Draft"})).await;
    let t = token(&owner).await;
    let mut a = peer(&server, &id, &t).await;
    // A keystroke every 100 ms or so, and between keystrokes a look at the row: the typing
    // never pauses for the debounce (an hour), so only the maximum wait can project it
    // (15 s of typing stays within the title's 500 characters).
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    let mut typed = 0;
    loop {
        a.call(json!({"cmd": "insertText", "field": "title", "index": 5 + typed, "text": "."}))
            .await
            .unwrap();
        typed += 1;
        let row = owner.get(&format!("/api/v1/items/{id}")).await;
        let title = row.body["title"].as_str().unwrap_or_default().to_owned();
        if title.starts_with("Draft.") {
            assert!(title.len() <= 5 + typed, "{title}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the typing never reached the row"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.stop().await;
}

#[tokio::test]
async fn a_rest_patch_reaches_connected_clients_and_keeps_text_identity() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "T", "description": "Alpha beta gamma delta"}),
    )
    .await;
    let mut a = peer(&server, &id, &token(&owner).await).await;
    // A cursor just before "delta", outside the span the REST edit changes.
    let rel = a
        .call(json!({"cmd": "relPos", "field": "description", "index": 17}))
        .await
        .unwrap()["relpos"]
        .clone();
    let r = owner
        .patch(
            &format!("/api/v1/items/{id}"),
            &json!({"description": "Alpha BETA gamma delta", "status": "in_review"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["description"], "Alpha BETA gamma delta");
    a.call(json!({"cmd": "waitFor", "path": "description", "equals": "Alpha BETA gamma delta", "timeoutMs": WAIT})).await.unwrap();
    a.call(json!({"cmd": "waitFor", "path": "fields.status", "equals": "in_review", "timeoutMs": WAIT})).await.unwrap();
    let at = a
        .call(json!({"cmd": "resolveRelPos", "relpos": rel}))
        .await
        .unwrap();
    assert_eq!(
        at["index"], 17,
        "the cursor before 'delta' still resolves to it"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_viewer_gets_the_document_and_presence_but_cannot_edit() {
    let (server, owner, org, team, project) = project_fixture().await;
    let id = item(
        &owner,
        &project,
        json!({"type": "story", "title": "Read me"}),
    )
    .await;
    let (viewer, viewer_id) = member(&server, &owner, &org, "v@acme.example", None).await;
    owner
        .put(
            &format!("/api/v1/teams/{team}/members/{viewer_id}"),
            &json!({"role": "viewer"}),
        )
        .await;
    let mut e = peer(&server, &id, &token(&owner).await).await;
    let mut v = peer(&server, &id, &token(&viewer).await).await;
    assert_eq!(
        v.call(json!({"cmd": "getText", "field": "title"}))
            .await
            .unwrap()["text"],
        "Read me"
    );
    v.call(json!({"cmd": "insertText", "field": "title", "index": 0, "text": "HACKED "}))
        .await
        .unwrap();
    v.wait_event("permission-denied", Duration::from_millis(WAIT))
        .await
        .unwrap();
    // The editor's own later edit arrives at the viewer; the viewer's never reaches anyone.
    e.call(json!({"cmd": "insertText", "field": "title", "index": 7, "text": "!"}))
        .await
        .unwrap();
    v.call(
        json!({"cmd": "waitFor", "path": "title", "equals": "HACKED Read me!", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();
    assert_eq!(
        e.call(json!({"cmd": "getText", "field": "title"}))
            .await
            .unwrap()["text"],
        "Read me!"
    );
    until_row(&owner, &id, |r| r["title"] == "Read me!").await;
    let stored = crate::support::count(
        &server,
        &format!("doc_updates WHERE user_id = '{viewer_id}'"),
    )
    .await;
    assert_eq!(stored, 0, "nothing from the viewer is stored");
    // Presence still flows both ways.
    v.call(json!({"cmd": "setAwareness", "state": {"cursor": null}}))
        .await
        .unwrap();
    e.call(json!({"cmd": "waitAwareness", "predicate": "hasUser", "userId": viewer_id, "present": true, "timeoutMs": WAIT})).await.unwrap();
    server.stop().await;
}

#[tokio::test]
async fn presence_carries_the_servers_identity_and_clears_on_disconnect() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "T"})).await;
    let owner_id = owner.user_id().await;
    let (other, other_id) = {
        let c = server.user("bob@example.com").await;
        let uid = c.user_id().await;
        (c, uid)
    };
    // Bob has no access: his socket is refused.
    let mut refused = YjsPeer::connect(&server.collab_url(), &id, Some(&token(&other).await))
        .await
        .unwrap();
    assert!(
        refused
            .call(json!({"cmd": "waitSynced", "timeoutMs": 1500}))
            .await
            .is_err()
    );
    drop(refused);

    let t = token(&owner).await;
    let mut a = peer(&server, &id, &t).await;
    let mut b = peer(&server, &id, &t).await;
    a.call(json!({"cmd": "setAwareness", "state": {"user": {"id": other_id, "name": "Mallory"}, "cursor": {"anchor": 1}}})).await.unwrap();
    b.call(json!({"cmd": "waitAwareness", "predicate": "hasUser", "userId": owner_id, "present": true, "timeoutMs": WAIT})).await.unwrap();
    let states = b.call(json!({"cmd": "getAwareness"})).await.unwrap();
    let a_id = a.call(json!({"cmd": "clientId"})).await.unwrap()["clientId"].clone();
    let a_state = states["states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["clientId"] == a_id)
        .unwrap()
        .clone();
    assert_eq!(
        a_state["state"]["user"]["id"],
        owner_id.as_str(),
        "the server fills in who it is: {a_state}"
    );
    assert_eq!(a_state["state"]["user"]["name"], "Admin");
    assert_eq!(a_state["state"]["cursor"]["anchor"], 1);
    // Presence goes to the others, not back to its sender (whose client ignores its own state).
    b.call(json!({"cmd": "setAwareness", "state": {"cursor": {"anchor": 2}}}))
        .await
        .unwrap();
    a.call(json!({"cmd": "waitAwareness", "predicate": "hasUser", "userId": owner_id, "present": true, "timeoutMs": WAIT})).await.unwrap();
    let b_id = b.call(json!({"cmd": "clientId"})).await.unwrap()["clientId"].clone();
    for (me, other, peer) in [(&a_id, &b_id, &mut a), (&b_id, &a_id, &mut b)] {
        let counts = peer
            .call(json!({"cmd": "awarenessReceived"}))
            .await
            .unwrap()["counts"]
            .clone();
        assert!(
            counts[other.to_string()].as_u64().unwrap_or(0) >= 1,
            "{counts}"
        );
        assert_eq!(
            counts.get(me.to_string()),
            None,
            "its own presence came back: {counts}"
        );
    }
    a.call(json!({"cmd": "close"})).await.unwrap();
    b.call(json!({"cmd": "waitAwareness", "predicate": "count", "equals": 1, "timeoutMs": WAIT}))
        .await
        .unwrap();
    server.stop().await;
}

/// A room stores an update before relaying it; presence needs no storage and must not wait
/// behind an append (on PostgreSQL each waits for a commit's WAL flush). The test holds the
/// database's write path so that an edit's append blocks, and checks that presence sent
/// after the edit still reaches the other client, and the edit only once it is stored.
#[tokio::test]
async fn presence_does_not_wait_behind_a_stored_update() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Title"})).await;
    let t = token(&owner).await;
    let mut a = peer(&server, &id, &t).await;
    let mut b = peer(&server, &id, &t).await;
    let a_id = a.call(json!({"cmd": "clientId"})).await.unwrap()["clientId"].to_string();
    // Presence from `a` has reached `b` at least once (its first state on connecting).
    let wait = Duration::from_millis(WAIT);
    let before = presence_received(&mut b, &a_id, 0, wait, "no presence from a").await;

    // SQLite: the one writer is ours. PostgreSQL: appends wait for our table lock.
    let mut hold = server.app().store().begin().await.unwrap();
    if server.on_postgres() {
        sqlx::query("LOCK TABLE doc_updates IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *hold)
            .await
            .unwrap();
    }
    // Over one socket, in order: the edit (whose append now blocks), then presence.
    a.call(json!({"cmd": "insertText", "field": "title", "index": 5, "text": "!"}))
        .await
        .unwrap();
    a.call(json!({"cmd": "setAwareness", "state": {"cursor": {"anchor": 6}}}))
        .await
        .unwrap();
    // Generous for a relay that takes milliseconds, and well short of SQLite's 10 s busy
    // timeout, after which the blocked append fails and the room closes.
    let waited = "presence waited behind the blocked append";
    presence_received(&mut b, &a_id, before, Duration::from_secs(5), waited).await;
    let title = b.call(json!({"cmd": "snapshot"})).await.unwrap()["title"].clone();
    assert_eq!(title, "Title", "the edit was relayed before it was stored");

    drop(hold);
    b.call(json!({"cmd": "waitFor", "path": "title", "equals": "Title!", "timeoutMs": WAIT}))
        .await
        .unwrap();
    server.stop().await;
}

/// How many presence entries of `client` `peer` has received, once more than `more_than`
/// (failing with `why` after `wait`).
async fn presence_received(
    peer: &mut YjsPeer,
    client: &str,
    more_than: u64,
    wait: Duration,
    why: &str,
) -> u64 {
    let deadline = Instant::now() + wait;
    loop {
        let counts = peer
            .call(json!({"cmd": "awarenessReceived"}))
            .await
            .unwrap()["counts"]
            .clone();
        let n = counts[client].as_u64().unwrap_or(0);
        if n > more_than {
            return n;
        }
        assert!(Instant::now() < deadline, "{why}: {counts}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn offline_edits_merge_on_reconnect() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Base"})).await;
    let t = token(&owner).await;
    let mut a = peer(&server, &id, &t).await;
    let mut b = peer(&server, &id, &t).await;
    a.call(json!({"cmd": "disconnect"})).await.unwrap();
    a.call(json!({"cmd": "insertText", "field": "title", "index": 4, "text": " offline"}))
        .await
        .unwrap();
    b.call(json!({"cmd": "insertText", "field": "title", "index": 0, "text": "Online "}))
        .await
        .unwrap();
    a.call(json!({"cmd": "reconnect"})).await.unwrap();
    for p in [&mut a, &mut b] {
        p.call(json!({"cmd": "waitFor", "path": "title", "equals": "Online Base offline", "timeoutMs": WAIT})).await.unwrap();
    }
    until_row(&owner, &id, |r| r["title"] == "Online Base offline").await;
    server.stop().await;
}

#[tokio::test]
async fn crafted_updates_outside_the_schema_are_reverted_before_the_projection() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "T"})).await;
    let t = token(&owner).await;
    let mut a = peer(&server, &id, &t).await;
    let mut b = peer(&server, &id, &t).await;
    a.call(json!({"cmd": "setField", "key": "status", "value": "shipped"}))
        .await
        .unwrap();
    b.call(
        json!({"cmd": "waitFor", "path": "fields.status", "equals": "draft", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();
    a.call(
        json!({"cmd": "waitFor", "path": "fields.status", "equals": "draft", "timeoutMs": WAIT}),
    )
    .await
    .unwrap();
    a.call(json!({"cmd": "setField", "key": "type", "value": "epic"}))
        .await
        .unwrap();
    a.call(json!({"cmd": "craftUpdate", "kind": "bigText", "field": "title", "bytes": 2000}))
        .await
        .unwrap();
    a.call(json!({"cmd": "craftUpdate", "kind": "unknownRoot", "name": "evil"}))
        .await
        .unwrap();
    // Type changes are fine for a root story; the title is cut to its limit.
    let row = until_row(&owner, &id, |r| r["type"] == "epic").await;
    assert_eq!(row["status"], "draft");
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    loop {
        let title = b
            .call(json!({"cmd": "getText", "field": "title"}))
            .await
            .unwrap()["text"]
            .as_str()
            .unwrap()
            .chars()
            .count();
        if title == 500 {
            break;
        }
        assert!(Instant::now() < deadline, "title still {title} chars");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let row = until_row(&owner, &id, |r| {
        r["title"].as_str().unwrap().chars().count() == 500
    })
    .await;
    assert!(
        row["title"].as_str().unwrap().starts_with('x')
            || row["title"].as_str().unwrap().ends_with('x')
    );
    server.stop().await;
}

/// A y-websocket update message that inserts `text` into the title under `client`, made on
/// a yrs document that knows `state` (stock Yjs clients change their id when they see it used
/// elsewhere, so an impersonation has to be crafted).
fn crafted_title_insert(state: &str, client: u64, text: &str) -> String {
    crafted_update(state, client, text, false)
}

/// A sync update message that appends `text` to the title under `client`: only the new
/// block, or (`whole`) the whole document including `state`, as a client re-sending what it
/// holds does.
fn crafted_update(state: &str, client: u64, text: &str, whole: bool) -> String {
    use base64::Engine;
    use yrs::updates::decoder::Decode;
    use yrs::updates::encoder::Encode;
    use yrs::{GetString, ReadTxn, Text, Transact};
    let b64 = base64::engine::general_purpose::STANDARD;
    let doc = yrs::Doc::with_options(yrs::Options {
        client_id: yrs::block::ClientID::new(client),
        offset_kind: yrs::OffsetKind::Utf16,
        ..yrs::Options::default()
    });
    let title = doc.get_or_insert_text("title");
    doc.transact_mut()
        .apply_update(yrs::Update::decode_v1(&b64.decode(state).unwrap()).unwrap())
        .unwrap();
    let sv = doc.transact().state_vector();
    {
        let mut txn = doc.transact_mut();
        let len = title.get_string(&txn).encode_utf16().count() as u32;
        title.insert(&mut txn, len, text);
    }
    let since = if whole {
        yrs::StateVector::default()
    } else {
        sv
    };
    let update = doc.transact().encode_state_as_update_v1(&since);
    let msg = yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(update));
    b64.encode(msg.encode_v1())
}

#[tokio::test]
async fn a_client_resending_the_whole_document_with_the_seed_blocks_stays_connected() {
    let (server, owner, _org, _team, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "T"})).await;
    let mut a = YjsPeer::spawn().await.unwrap();
    a.call(json!({"cmd": "connect", "url": server.collab_url(), "room": id, "token": token(&owner).await, "clientId": 515151})).await.unwrap();
    a.call(json!({"cmd": "waitSynced", "timeoutMs": WAIT}))
        .await
        .unwrap();
    let state = a.call(json!({"cmd": "encodeState"})).await.unwrap()["update"]
        .as_str()
        .unwrap()
        .to_owned();
    // Everything the client holds (the server's seed blocks included) plus one new edit, as
    // y-websocket sends after loading a document kept offline. (The edit is under a second
    // id of the same user, so the peer's own document stays consistent.)
    a.call(json!({"cmd": "rawSend", "base64": crafted_update(&state, 616161, "a", true)}))
        .await
        .unwrap();
    until_row(&owner, &id, |r| r["title"] == "Ta").await;
    // The socket is still open: the peer's next edit is stored.
    a.call(json!({"cmd": "insertText", "field": "title", "index": 1, "text": "b"}))
        .await
        .unwrap();
    until_row(&owner, &id, |r| {
        r["title"]
            .as_str()
            .is_some_and(|t| t.len() == 3 && t.contains('b'))
    })
    .await;
    assert!(
        a.wait_event("connection-close", Duration::from_millis(500))
            .await
            .is_err(),
        "the socket was closed"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_client_id_bound_to_another_user_is_refused() {
    let (server, owner, org, team, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "T"})).await;
    let (ed, ed_id) = member(&server, &owner, &org, "ed@acme.example", None).await;
    owner
        .put(
            &format!("/api/v1/teams/{team}/members/{ed_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    let mut a = YjsPeer::spawn().await.unwrap();
    a.call(json!({"cmd": "connect", "url": server.collab_url(), "room": id, "token": token(&owner).await, "clientId": 424242})).await.unwrap();
    a.call(json!({"cmd": "waitSynced", "timeoutMs": WAIT}))
        .await
        .unwrap();
    a.call(json!({"cmd": "insertText", "field": "title", "index": 1, "text": "a"}))
        .await
        .unwrap();
    until_row(&owner, &id, |r| r["title"] == "Ta").await;

    // The editor sends an update under the owner's client id: the socket is closed and the
    // update is neither applied nor stored.
    let mut b = peer(&server, &id, &token(&ed).await).await;
    let state = b.call(json!({"cmd": "encodeState"})).await.unwrap()["update"]
        .as_str()
        .unwrap()
        .to_owned();
    b.call(json!({"cmd": "rawSend", "base64": crafted_title_insert(&state, 424242, "b")}))
        .await
        .unwrap();
    let closed = b
        .wait_event("connection-close", Duration::from_millis(WAIT))
        .await
        .unwrap();
    assert_eq!(closed["code"], 4403, "{closed}");
    // A later edit of the owner's goes through; the impersonation never does.
    a.call(json!({"cmd": "insertText", "field": "title", "index": 2, "text": "c"}))
        .await
        .unwrap();
    until_row(&owner, &id, |r| r["title"] == "Tac").await;
    let stored =
        crate::support::count(&server, &format!("doc_updates WHERE user_id = '{ed_id}'")).await;
    assert_eq!(stored, 0);
    server.stop().await;
}

#[tokio::test]
async fn losing_access_closes_open_sockets() {
    let (server, owner, org, team, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "T"})).await;
    let (ed, ed_id) = member(&server, &owner, &org, "ed@acme.example", None).await;
    owner
        .put(
            &format!("/api/v1/teams/{team}/members/{ed_id}"),
            &json!({"role": "editor"}),
        )
        .await;
    let mut p = peer(&server, &id, &token(&ed).await).await;
    assert_eq!(
        owner
            .delete(&format!("/api/v1/teams/{team}/members/{ed_id}"))
            .await
            .status,
        204
    );
    let closed = p
        .wait_event("connection-close", Duration::from_millis(WAIT))
        .await
        .unwrap();
    assert_eq!(closed["code"], 4403, "{closed}");
    server.stop().await;
}

#[tokio::test]
async fn documents_survive_their_room_unloading_and_record_editing_sessions() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Keep"})).await;
    let t = token(&owner).await;
    let mut a = peer(&server, &id, &t).await;
    a.call(json!({"cmd": "insertText", "field": "title", "index": 4, "text": " me"}))
        .await
        .unwrap();
    until_row(&owner, &id, |r| r["title"] == "Keep me").await;
    a.call(json!({"cmd": "close"})).await.unwrap();
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    while server.app().collab().open_rooms() > 0 {
        assert!(Instant::now() < deadline, "the room never unloaded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut b = peer(&server, &id, &t).await;
    assert_eq!(
        b.call(json!({"cmd": "getText", "field": "title"}))
            .await
            .unwrap()["text"],
        "Keep me"
    );
    let item_id: spectree_domain::ids::ItemId = id.parse().unwrap();
    let mut c = server.app().store().read().await.unwrap();
    let sessions = spectree_app::store::collab::sessions(&mut c, item_id)
        .await
        .unwrap();
    drop(c);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].0.to_string(), owner.user_id().await);
    server.stop().await;
}

/// The editing sessions of an item: (started, last edit, ended, updates).
async fn sessions_of(server: &TestServer, id: &str) -> Vec<(i64, i64, Option<i64>, i64)> {
    let item_id: spectree_domain::ids::ItemId = id.parse().unwrap();
    let mut c = server.app().store().read().await.unwrap();
    spectree_app::store::collab::sessions(&mut c, item_id)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, started, last, ended, n)| (started.0, last.0, ended.map(|e| e.0), n))
        .collect()
}

/// Every update a person sends is counted in their editing session with the update itself;
/// an edit after `collab.session_idle` without one closes the session and opens the next.
#[tokio::test]
async fn an_editing_session_counts_every_update_and_ends_after_the_idle_period() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "Count"})).await;
    let t = token(&owner).await;
    let mut a = peer(&server, &id, &t).await;
    for (i, text) in ["a", "b", "c"].iter().enumerate() {
        a.call(json!({"cmd": "insertText", "field": "title", "index": 5 + i, "text": text}))
            .await
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    while sessions_of(&server, &id).await.first().map(|s| s.3) != Some(3) {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            sessions_of(&server, &id).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = sessions_of(&server, &id).await[0];
    assert_eq!(first.2, None, "still open");

    // The default idle period is five minutes.
    server.clock.advance(Duration::from_secs(301));
    a.call(json!({"cmd": "insertText", "field": "title", "index": 8, "text": "d"}))
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_millis(WAIT);
    while sessions_of(&server, &id).await.len() < 2 {
        assert!(
            Instant::now() < deadline,
            "{:?}",
            sessions_of(&server, &id).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all = sessions_of(&server, &id).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(
        all[0],
        (first.0, first.1, Some(first.1), 3),
        "closed at its last edit"
    );
    assert_eq!(all[1].2, None);
    assert_eq!(all[1].3, 1);
    assert!(all[1].0 >= first.1 + 301_000, "{all:?}");
    server.stop().await;
}

/// Every stored update looks up its editor's open session on the item three times (touch
/// it, close it when idle, open one when none is open): each lookup must go straight to the
/// open sessions, not walk every session the item ever had.
#[tokio::test]
async fn open_editing_sessions_are_looked_up_by_their_own_index() {
    let server = TestServer::start().await;
    let open = "item_id = 'i' AND user_id = 'u' AND ended_at IS NULL";
    let statements = [
        format!(
            "UPDATE edit_sessions SET last_edit_at = 2, updates = updates + 1 WHERE {open} AND last_edit_at >= 1"
        ),
        format!(
            "UPDATE edit_sessions SET ended_at = last_edit_at WHERE {open} AND last_edit_at < 1"
        ),
        format!("SELECT 1 FROM edit_sessions WHERE {open}"),
    ];
    let mut c = server.app().store().read().await.unwrap();
    for sql in statements {
        let plan: Vec<String> = if server.on_postgres() {
            // The table is nearly empty: a sequential scan would win on cost alone.
            let mut tx = sqlx::Connection::begin(&mut *c).await.unwrap();
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await
                .unwrap();
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
                .fetch_all(&mut *tx)
                .await
                .unwrap();
            tx.rollback().await.unwrap();
            rows.iter().map(|r| sqlx::Row::get(r, 0)).collect()
        } else {
            sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                .fetch_all(&mut *c)
                .await
                .unwrap()
                .iter()
                .map(|r| sqlx::Row::get(r, "detail"))
                .collect()
        };
        assert!(
            plan.iter().any(|line| line.contains("edit_sessions_open")),
            "{sql}: {plan:?}"
        );
    }
    drop(c);
    server.stop().await;
}

/// An upgrade request for `/collab/{id}` with the given extra headers; returns the status.
async fn upgrade(c: &Client, path: &str, headers: &[(&str, String)]) -> u16 {
    let mut req = c
        .request(reqwest::Method::GET, path)
        .header("connection", "Upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==");
    for (k, v) in headers {
        req = req.header(*k, v.clone());
    }
    c.send(req).await.status
}

#[tokio::test]
async fn sockets_authenticate_by_cookie_with_an_origin_check_or_by_a_single_use_ticket() {
    let (server, owner, _, _, project) = project_fixture().await;
    let id = item(&owner, &project, json!({"type": "story", "title": "T"})).await;
    let path = format!("/collab/{id}");
    let host = server.base.trim_start_matches("http://").to_owned();
    // The owner's client carries the session cookie.
    assert_eq!(
        upgrade(&owner, &path, &[("origin", "https://evil.example".into())]).await,
        403
    );
    assert_eq!(
        upgrade(&owner, &path, &[("origin", format!("http://{host}"))]).await,
        101
    );
    assert_eq!(
        upgrade(&server.client(), &path, &[]).await,
        401,
        "no credentials"
    );
    let stranger = server.user("stranger@example.com").await;
    assert_eq!(upgrade(&stranger, &path, &[]).await, 404, "no access");

    let r = owner
        .post_empty(&format!("/api/v1/items/{id}/collab-ticket"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ticket = r.body["ticket"].as_str().unwrap().to_owned();
    assert!(ticket.starts_with("stt_"));
    let anon = server.client();
    let with_ticket = format!("{path}?token={ticket}");
    assert_eq!(upgrade(&anon, &with_ticket, &[]).await, 101);
    assert_eq!(
        upgrade(&anon, &with_ticket, &[]).await,
        401,
        "a ticket works once"
    );
    let r = owner
        .post_empty(&format!("/api/v1/items/{id}/collab-ticket"))
        .await;
    let ticket = r.body["ticket"].as_str().unwrap().to_owned();
    server.clock.advance(Duration::from_secs(61));
    assert_eq!(
        upgrade(&anon, &format!("{path}?token={ticket}"), &[]).await,
        401,
        "tickets expire"
    );
    server.stop().await;
}
