// What the browser keeps for a signed-in person: y-indexeddb's documents (one IndexedDB
// database `spectree:<user>:<item>` per opened item), plus anything in Web Storage and the
// Cache API. Signing out removes all of it, so the next person on the machine sees nothing.
// API responses never enter the HTTP cache (`cache: 'no-store'` in api.ts).

/// The IndexedDB databases the app created.
export async function storedDatabases(): Promise<string[]> {
  if (!indexedDB.databases) return [];
  const all = await indexedDB.databases();
  return all.map((d) => d.name ?? '').filter((n) => n.startsWith('spectree:'));
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
    // `blocked` means an open connection (an editor being torn down) still holds it: the
    // deletion goes on as soon as that connection closes, and `success` follows.
  });
}

/// Deletes every offline document and cached state of the app in this browser.
export async function clearOfflineData(): Promise<void> {
  await Promise.all((await storedDatabases()).map(deleteDatabase));
  try {
    localStorage.clear();
    sessionStorage.clear();
  } catch {
    // Storage may be disabled; there is nothing in it then.
  }
  if ('caches' in window) {
    for (const key of await caches.keys()) await caches.delete(key);
  }
}
