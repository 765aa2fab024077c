"""The three editing-session lookups of a stored live update (touch the open session, close
an idle one, find an open one), timed on an in-memory SQLite copy of the edit_sessions table
with and without the partial index of migration 0029, for items with 10 to 10,000 past
sessions. Run: python3 crates/spectree-bench/scripts/edit_sessions_lookup.py"""
import sqlite3, time, uuid
def run(with_index, n_sessions):
    c = sqlite3.connect(':memory:')
    c.executescript("""
    CREATE TABLE edit_sessions (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, item_id TEXT NOT NULL, user_id TEXT NOT NULL,
      started_at INTEGER NOT NULL, last_edit_at INTEGER NOT NULL, ended_at INTEGER, updates INTEGER NOT NULL);
    CREATE INDEX edit_sessions_item ON edit_sessions (item_id, started_at);
    """)
    if with_index:
        c.execute("CREATE INDEX edit_sessions_open ON edit_sessions (item_id, user_id) WHERE ended_at IS NULL")
    item='item'; users=[str(uuid.uuid4()) for _ in range(20)]
    rows=[(str(uuid.uuid4()),'org',item,users[i%20],i,i+1,i+1,5) for i in range(n_sessions)]
    c.executemany("INSERT INTO edit_sessions VALUES (?,?,?,?,?,?,?,?)", rows)
    c.execute("INSERT INTO edit_sessions VALUES (?,?,?,?,?,?,NULL,1)", (str(uuid.uuid4()),'org',item,users[0],10**9,10**9))
    c.commit()
    u=users[0]; N=2000
    t=time.perf_counter()
    for k in range(N):
        now=10**9+k+1
        c.execute("UPDATE edit_sessions SET last_edit_at = ?, updates = updates + 1 WHERE item_id = ? AND user_id = ? AND ended_at IS NULL AND last_edit_at >= ?", (now,item,u,now-300000))
        c.execute("UPDATE edit_sessions SET ended_at = last_edit_at WHERE item_id = ? AND user_id = ? AND ended_at IS NULL AND last_edit_at < ?", (item,u,now-300000))
        c.execute("SELECT 1 FROM edit_sessions WHERE item_id = ? AND user_id = ? AND ended_at IS NULL", (item,u)).fetchall()
    return (time.perf_counter()-t)/N*1e6
for n in (10, 1000, 10000):
    print(n, "sessions: without %.1f us, with %.1f us per update's three lookups" % (run(False,n), run(True,n)))
