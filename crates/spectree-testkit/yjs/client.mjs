// A scriptable Yjs peer for the Rust integration tests: one process is one stock `yjs` Y.Doc
// plus one stock `y-websocket` WebsocketProvider. Commands arrive as JSON lines on stdin
// (`{"reqId": 1, "cmd": "insertText", ...}`); every command gets exactly one JSON line reply on
// stdout (`{"reqId": 1, "ok": true, ...}` or `{"reqId": 1, "ok": false, "error": "..."}`), and
// unsolicited `{"event": "...", ...}` lines report what the provider sees. stdout carries
// nothing else: library logging is sent to stderr. See README.md for the command list.
//
// The correlation key is `reqId`, not `id`, because the criterion commands take the criterion's
// own `id` as an argument.

import { createInterface } from 'node:readline'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'

// Libraries may log with console.log; keep stdout for the protocol alone.
console.log = console.error
console.info = console.error
console.debug = console.error

/** @param {object} obj */
const emitLine = (obj) => {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

/** @param {string} name @param {object} [fields] */
const emitEvent = (name, fields = {}) => emitLine({ ...fields, event: name })

process.on('uncaughtException', (err) => {
  emitEvent('error', { message: `uncaught exception: ${err?.stack ?? err}` })
})
process.on('unhandledRejection', (err) => {
  emitEvent('error', { message: `unhandled rejection: ${err?.stack ?? err}` })
})

/** @type {Y.Doc | null} */
let doc = null
/** @type {WebsocketProvider | null} */
let provider = null

const TEXT_FIELDS = ['title', 'description']
/** Values recorded by `recordText`, per field. @type {Record<string, string[]>} */
const recordings = {}
const POLL_MS = 10

class CommandError extends Error {}

/** @param {boolean} cond @param {string} message */
const check = (cond, message) => {
  if (!cond) throw new CommandError(message)
}

/** @param {object} cmd @param {string} key */
const arg = (cmd, key) => {
  check(cmd[key] !== undefined, `missing argument "${key}"`)
  return cmd[key]
}

/** @param {object} cmd @param {string} key */
const intArg = (cmd, key) => {
  const v = arg(cmd, key)
  check(Number.isInteger(v) && v >= 0, `argument "${key}" must be a non-negative integer`)
  return v
}

const needDoc = () => {
  check(doc !== null && provider !== null, 'not connected: send "connect" first')
  return /** @type {Y.Doc} */ (doc)
}

/** @param {string} field */
const textOf = (field) => {
  check(TEXT_FIELDS.includes(field), `field must be one of ${TEXT_FIELDS.join(', ')}, got ${JSON.stringify(field)}`)
  return needDoc().getText(field)
}

const fieldsMap = () => needDoc().getMap('fields')
const criteriaArray = () => needDoc().getArray('acceptanceCriteria')

/** @param {any} entry */
const criterionJson = (entry) => {
  if (!(entry instanceof Y.Map)) return { invalid: entry instanceof Y.AbstractType ? entry.toJSON() : entry }
  const text = entry.get('text')
  return {
    id: entry.get('id') ?? null,
    text: text instanceof Y.Text ? text.toString() : (text ?? null),
    done: entry.get('done') === true
  }
}

/** @param {string} id */
const findCriterion = (id) => {
  const arr = criteriaArray()
  for (let i = 0; i < arr.length; i++) {
    const entry = arr.get(i)
    if (entry instanceof Y.Map && entry.get('id') === id) return { entry, index: i }
  }
  throw new CommandError(`no criterion with id ${JSON.stringify(id)}`)
}

const snapshot = () => {
  needDoc()
  return {
    title: textOf('title').toString(),
    description: textOf('description').toString(),
    fields: fieldsMap().toJSON(),
    criteria: criteriaArray().toArray().map(criterionJson)
  }
}

/**
 * The value at a dotted path: `title`, `description`, `fields` / `fields.<key>`, `criteria` /
 * `criteria.<index>.<key>`, `criteriaCount`. A missing leaf is `null`.
 * @param {string} path
 */
const valueAt = (path) => {
  check(typeof path === 'string' && path.length > 0, 'path must be a non-empty string')
  const snap = snapshot()
  /** @type {any} */
  let v = { ...snap, criteriaCount: snap.criteria.length }
  for (const part of path.split('.')) {
    if (v === null || typeof v !== 'object') return null
    v = Object.hasOwn(v, part) ? v[part] : null
  }
  return v === undefined ? null : v
}

/** JSON with object keys sorted, so that equal values compare equal as strings. @param {any} v */
const canonical = (v) => JSON.stringify(v, (_k, x) =>
  x !== null && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]]))
    : x)

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Polls `probe` until it returns `{ done: true }` or `timeoutMs` passes.
 * @param {number} timeoutMs
 * @param {() => { done: boolean, last: any }} probe
 * @param {(last: any) => string} describe
 */
const pollUntil = async (timeoutMs, probe, describe) => {
  check(Number.isFinite(timeoutMs) && timeoutMs >= 0, 'timeoutMs must be a non-negative number')
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const { done, last } = probe()
    if (done) return last
    if (Date.now() >= deadline) throw new CommandError(describe(last))
    await sleep(POLL_MS)
  }
}

const awarenessStates = () => {
  needDoc()
  return Array.from(/** @type {WebsocketProvider} */ (provider).awareness.getStates().entries())
    .map(([clientId, state]) => ({ clientId, state }))
}

/** Reads a lib0 var-uint from a lib0 decoder. @param {{arr: Uint8Array, pos: number}} d */
const readVarUint = (d) => {
  let num = 0
  let mult = 1
  for (;;) {
    check(d.pos < d.arr.length, 'truncated var-uint')
    const r = d.arr[d.pos++]
    num += (r & 0x7f) * mult
    mult *= 128
    if (r < 0x80) return num
  }
}

/**
 * Replaces the provider's y-protocols auth handler (message type 2), which only logs, with one
 * that also reports `{"event": "permission-denied", "reason": ...}`.
 * @param {WebsocketProvider} p
 */
const hookAuthMessages = (p) => {
  p.messageHandlers[2] = (_encoder, decoder) => {
    const kind = readVarUint(decoder)
    if (kind === 0) {
      const len = readVarUint(decoder)
      const reason = new TextDecoder().decode(decoder.arr.subarray(decoder.pos, decoder.pos + len))
      decoder.pos += len
      emitEvent('permission-denied', { reason })
    } else {
      emitEvent('auth-message', { kind })
    }
  }
}

/** Awareness entries received from the server, by client id. @type {Map<number, number>} */
const awarenessReceived = new Map()

/**
 * Wraps the provider's awareness handler (message type 1) to count, by client id, the entries
 * of every awareness message the server sends, then hands the message on unchanged.
 * @param {WebsocketProvider} p
 */
const countAwareness = (p) => {
  const apply = p.messageHandlers[1]
  p.messageHandlers[1] = (encoder, decoder, provider, emitSynced, messageType) => {
    const start = decoder.pos
    const len = readVarUint(decoder)
    const update = { arr: decoder.arr.subarray(decoder.pos, decoder.pos + len), pos: 0 }
    const entries = readVarUint(update)
    for (let i = 0; i < entries; i++) {
      const clientId = readVarUint(update)
      readVarUint(update) // clock
      update.pos += readVarUint(update) // the state's JSON
      awarenessReceived.set(clientId, (awarenessReceived.get(clientId) ?? 0) + 1)
    }
    decoder.pos = start
    apply(encoder, decoder, provider, emitSynced, messageType)
  }
}

/** @param {WebsocketProvider} p */
const reportProviderEvents = (p) => {
  p.on('status', ({ status }) => emitEvent('status', { status }))
  p.on('sync', (synced) => emitEvent('synced', { synced }))
  p.on('connection-close', (ev) => emitEvent('connection-close', ev == null
    ? { local: true, code: null, reason: null }
    : { local: false, code: ev.code ?? null, reason: ev.reason == null ? null : String(ev.reason) }))
  p.on('closed', ({ code, reason }) => emitEvent('closed', { code, reason: String(reason) }))
  p.on('connection-error', (ev) => emitEvent('connection-error', { message: String(ev?.message ?? ev?.error ?? ev) }))
}

/** @type {Record<string, (cmd: any) => any>} */
const commands = {
  connect (cmd) {
    check(doc === null, 'already connected: one process is one peer')
    const url = arg(cmd, 'url')
    const room = arg(cmd, 'room')
    check(typeof url === 'string' && typeof room === 'string', 'url and room must be strings')
    const d = new Y.Doc()
    if (cmd.clientId !== undefined && cmd.clientId !== null) {
      check(Number.isInteger(cmd.clientId) && cmd.clientId >= 0, 'clientId must be a non-negative integer')
      d.clientID = cmd.clientId
    }
    const params = {}
    if (cmd.token !== undefined && cmd.token !== null) params.token = String(cmd.token)
    const p = new WebsocketProvider(url, room, d, {
      params,
      WebSocketPolyfill: WebSocket,
      disableBc: true,
      connect: false
    })
    hookAuthMessages(p)
    countAwareness(p)
    reportProviderEvents(p)
    doc = d
    provider = p
    p.connect()
    return { clientId: d.clientID }
  },

  async waitSynced (cmd) {
    needDoc()
    await pollUntil(cmd.timeoutMs ?? 10000, () => ({ done: provider.synced, last: null }),
      () => `not synced after ${cmd.timeoutMs ?? 10000} ms (connected: ${provider.wsconnected})`)
    return {}
  },

  disconnect () {
    needDoc()
    provider.disconnect()
    return {}
  },

  reconnect () {
    needDoc()
    provider.connect()
    return {}
  },

  insertText (cmd) {
    const text = textOf(arg(cmd, 'field'))
    const index = intArg(cmd, 'index')
    check(index <= text.length, `index ${index} is past the end (length ${text.length})`)
    text.insert(index, String(arg(cmd, 'text')))
    return { text: text.toString() }
  },

  deleteText (cmd) {
    const text = textOf(arg(cmd, 'field'))
    const index = intArg(cmd, 'index')
    const length = intArg(cmd, 'length')
    check(index + length <= text.length, `range ${index}+${length} is past the end (length ${text.length})`)
    text.delete(index, length)
    return { text: text.toString() }
  },

  getText (cmd) {
    return { text: textOf(arg(cmd, 'field')).toString() }
  },

  setField (cmd) {
    const key = arg(cmd, 'key')
    check(typeof key === 'string', 'key must be a string')
    fieldsMap().set(key, arg(cmd, 'value'))
    return {}
  },

  getField (cmd) {
    const key = arg(cmd, 'key')
    const map = fieldsMap()
    return { value: map.has(key) ? map.get(key) : null, present: map.has(key) }
  },

  getFields () {
    return { fields: fieldsMap().toJSON() }
  },

  addCriterion (cmd) {
    const d = needDoc()
    const id = arg(cmd, 'id')
    check(typeof id === 'string', 'id must be a string')
    const arr = criteriaArray()
    const index = cmd.index === undefined || cmd.index === null ? arr.length : intArg(cmd, 'index')
    check(index <= arr.length, `index ${index} is past the end (length ${arr.length})`)
    d.transact(() => {
      const entry = new Y.Map()
      arr.insert(index, [entry])
      entry.set('id', id)
      const text = new Y.Text()
      entry.set('text', text)
      text.insert(0, String(arg(cmd, 'text')))
      entry.set('done', cmd.done === true)
    })
    return { index }
  },

  setCriterionDone (cmd) {
    const done = arg(cmd, 'done')
    check(typeof done === 'boolean', 'done must be a boolean')
    findCriterion(arg(cmd, 'id')).entry.set('done', done)
    return {}
  },

  editCriterionText (cmd) {
    const { entry } = findCriterion(arg(cmd, 'id'))
    const text = entry.get('text')
    check(text instanceof Y.Text, 'criterion text is not a Y.Text')
    const index = intArg(cmd, 'index')
    const del = cmd.delete === undefined ? 0 : intArg(cmd, 'delete')
    check(index + del <= text.length, `range ${index}+${del} is past the end (length ${text.length})`)
    needDoc().transact(() => {
      if (del > 0) text.delete(index, del)
      if (cmd.insert !== undefined && cmd.insert !== '') text.insert(index, String(cmd.insert))
    })
    return { text: text.toString() }
  },

  getCriteria () {
    return { criteria: criteriaArray().toArray().map(criterionJson) }
  },

  snapshot () {
    return snapshot()
  },

  async waitFor (cmd) {
    const path = arg(cmd, 'path')
    const expected = canonical(arg(cmd, 'equals'))
    valueAt(path) // fail fast on a bad path or a missing doc
    const timeoutMs = cmd.timeoutMs ?? 10000
    const value = await pollUntil(timeoutMs, () => {
      const last = valueAt(path)
      return { done: canonical(last) === expected, last }
    }, (last) => `timed out after ${timeoutMs} ms waiting for ${path} == ${expected}; last value: ${canonical(last)}`)
    return { value }
  },

  relPos (cmd) {
    const text = textOf(arg(cmd, 'field'))
    const index = intArg(cmd, 'index')
    const assoc = cmd.assoc ?? 0
    check(Number.isInteger(assoc), 'assoc must be an integer')
    const rel = Y.createRelativePositionFromTypeIndex(text, index, assoc)
    return { relpos: Buffer.from(Y.encodeRelativePosition(rel)).toString('base64') }
  },

  resolveRelPos (cmd) {
    const d = needDoc()
    const rel = Y.decodeRelativePosition(Buffer.from(String(arg(cmd, 'relpos')), 'base64'))
    const abs = Y.createAbsolutePositionFromRelativePosition(rel, d)
    if (abs === null) return { index: null, field: null }
    let field = null
    for (const [name, type] of d.share) if (type === abs.type) field = name
    return { index: abs.index, field, assoc: abs.assoc }
  },

  // Records every distinct value a text field takes, as each update arrives (to see text
  // being written in several steps). `recorded` returns them.
  recordText (cmd) {
    const field = arg(cmd, 'field')
    const text = textOf(field)
    recordings[field] = [text.toString()]
    text.observe(() => {
      const values = recordings[field]
      const now = text.toString()
      if (values[values.length - 1] !== now) values.push(now)
    })
    return {}
  },

  recorded (cmd) {
    return { values: recordings[arg(cmd, 'field')] ?? [] }
  },

  setAwareness (cmd) {
    needDoc()
    provider.awareness.setLocalState(arg(cmd, 'state'))
    return {}
  },

  setAwarenessField (cmd) {
    needDoc()
    const key = arg(cmd, 'key')
    check(typeof key === 'string', 'key must be a string')
    provider.awareness.setLocalStateField(key, arg(cmd, 'value'))
    return {}
  },

  getAwareness () {
    return { states: awarenessStates() }
  },

  awarenessReceived () {
    return { counts: Object.fromEntries(awarenessReceived) }
  },

  async waitAwareness (cmd) {
    const d = needDoc()
    const predicate = arg(cmd, 'predicate')
    const timeoutMs = cmd.timeoutMs ?? 10000
    /** @type {(states: {clientId: number, state: any}[]) => boolean} */
    let test
    let what
    if (predicate === 'count') {
      const equals = intArg(cmd, 'equals')
      test = (states) => states.length === equals
      what = `${equals} awareness states`
    } else if (predicate === 'hasUser') {
      const userId = arg(cmd, 'userId')
      const present = cmd.present !== false
      test = (states) => present === states.some(({ clientId, state }) =>
        clientId !== d.clientID && canonical(state?.user?.id) === canonical(userId))
      what = `user ${JSON.stringify(userId)} ${present ? 'present' : 'absent'} among the other peers`
    } else {
      throw new CommandError(`unknown awareness predicate ${JSON.stringify(predicate)} (count, hasUser)`)
    }
    const states = await pollUntil(timeoutMs, () => {
      const last = awarenessStates()
      return { done: test(last), last }
    }, (last) => `timed out after ${timeoutMs} ms waiting for ${what}; states: ${canonical(last)}`)
    return { states }
  },

  rawSend (cmd) {
    needDoc()
    const ws = provider.ws
    check(ws !== null && ws.readyState === WebSocket.OPEN, 'the websocket is not open')
    const bytes = Buffer.from(String(arg(cmd, 'base64')), 'base64')
    ws.send(bytes)
    return { bytes: bytes.length }
  },

  craftUpdate (cmd) {
    const d = needDoc()
    const kind = arg(cmd, 'kind')
    if (kind === 'unknownRoot') {
      const name = arg(cmd, 'name')
      check(typeof name === 'string', 'name must be a string')
      d.transact(() => d.getMap(name).set('x', 1))
    } else if (kind === 'bigText') {
      const text = textOf(arg(cmd, 'field'))
      const bytes = intArg(cmd, 'bytes')
      d.transact(() => text.insert(text.length, 'x'.repeat(bytes)))
    } else {
      throw new CommandError(`unknown craftUpdate kind ${JSON.stringify(kind)} (unknownRoot, bigText)`)
    }
    return {}
  },

  applyUpdate (cmd) {
    const d = needDoc()
    Y.applyUpdate(d, Buffer.from(String(arg(cmd, 'update')), 'base64'))
    return {}
  },

  encodeState () {
    return { update: Buffer.from(Y.encodeStateAsUpdate(needDoc())).toString('base64') }
  },

  clientId () {
    return { clientId: needDoc().clientID }
  },

  close () {
    shutdown()
    return {}
  }
}

let closing = false
const shutdown = () => {
  closing = true
  if (provider !== null) provider.destroy()
  if (doc !== null) doc.destroy()
}

// Flush stdout, then give the websocket close frame a moment to leave before exiting.
const exitSoon = () => process.stdout.write('', () => setTimeout(() => process.exit(0), 50))

/** @param {string} line */
const handleLine = async (line) => {
  if (line.trim() === '') return
  let cmd
  try {
    cmd = JSON.parse(line)
  } catch (err) {
    emitLine({ reqId: null, ok: false, error: `not JSON: ${err.message}` })
    return
  }
  const reqId = cmd !== null && typeof cmd === 'object' && 'reqId' in cmd ? cmd.reqId : null
  try {
    check(cmd !== null && typeof cmd === 'object' && !Array.isArray(cmd), 'a command is a JSON object')
    const name = cmd.cmd
    check(typeof name === 'string', 'missing "cmd"')
    check(Object.hasOwn(commands, name), `unknown command ${JSON.stringify(name)}`)
    let result = commands[name](cmd)
    // Synchronous commands answer synchronously, so their replies keep the order of the requests.
    if (result instanceof Promise) result = await result
    emitLine({ ...result, reqId, ok: true })
  } catch (err) {
    if (!(err instanceof CommandError)) {
      emitEvent('error', { message: `command ${JSON.stringify(cmd?.cmd)} threw: ${err?.stack ?? err}` })
    }
    emitLine({ reqId, ok: false, error: String(err?.message ?? err) })
  }
  if (closing) exitSoon()
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity })
rl.on('line', (line) => { handleLine(line) })
rl.on('close', () => {
  // The test dropped us: leave cleanly so the server sees a normal close.
  shutdown()
  exitSoon()
})
