// The key holder's session in IndexedDB, kept only when the user ticks "keep my secret key in this browser": the
// serialised secret key (ckks/serialization: serializeSecretKey), the client id the service gave, and the enrolled
// templates' ids and labels, one record per model id. Nothing here is ever sent anywhere; unticking deletes it.
// Runs in the Web Worker (IndexedDB is available there).

const DB_NAME = 'cryptoface-client';
const STORE = 'sessions';

/**
 * @typedef {{ id: string, label: string }} TemplateEntry
 * @typedef {{ model: string, clientId: string, secretKey: Uint8Array, templates: TemplateEntry[], keysUploaded: boolean, saved: string }} StoredSession
 */

/** @returns {Promise<IDBDatabase>} */
function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'model' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
  });
}

/**
 * @template T
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => IDBRequest<T>} action
 * @returns {Promise<T>}
 */
async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = action(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  } finally {
    db.close();
  }
}

/**
 * The stored session for `model`, if any.
 * @param {string} model
 * @returns {Promise<StoredSession | undefined>}
 */
export async function loadSession(model) {
  const value = /** @type {unknown} */ (await run('readonly', (s) => s.get(model)));
  if (typeof value !== 'object' || value === null) return undefined;
  const v = /** @type {Partial<StoredSession>} */ (value);
  if (typeof v.clientId !== 'string' || !(v.secretKey instanceof Uint8Array) || !Array.isArray(v.templates)) return undefined;
  return /** @type {StoredSession} */ (v);
}

/** @param {StoredSession} session */
export async function saveSession(session) {
  await run('readwrite', (s) => s.put(session));
}

/** @param {string} model */
export async function deleteSession(model) {
  await run('readwrite', (s) => s.delete(model));
}
