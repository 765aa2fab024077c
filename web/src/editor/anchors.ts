// Highlights of anchored comment threads in the description: a CodeMirror field of mark
// decorations. Between reloads the marks follow edits by mapping through each change; each
// time the document changes they are also recomputed from the threads' Yjs relative
// positions (as the server stores them), so everyone sees the same ranges.
import { StateEffect, StateField } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView } from '@codemirror/view';
import * as Y from 'yjs';

/// One highlighted range (CodeMirror positions = UTF-16 offsets in the Y.Text).
export interface Highlight {
  id: string;
  from: number;
  to: number;
  active: boolean;
}

/// Replaces the highlights.
export const setHighlights = StateEffect.define<Highlight[]>();

function build(hs: Highlight[], length: number): DecorationSet {
  const ranges = hs
    .filter((h) => h.from < h.to && h.to <= length)
    .sort((a, b) => a.from - b.from || a.to - b.to)
    .map((h) =>
      Decoration.mark({
        class: `cm-comment-anchor${h.active ? ' active' : ''}`,
        attributes: { 'data-thread': h.id, title: 'Commented text' },
      }).range(h.from, h.to),
    );
  return Decoration.set(ranges, true);
}

/// The decorations field; add it to the editor's extensions.
export const highlightField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let next = deco.map(tr.changes);
    for (const e of tr.effects) if (e.is(setHighlights)) next = build(e.value, tr.state.doc.length);
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/// Where a stored range is now in `text`, or null when it is gone or not in that text.
export function resolveRange(text: Y.Text, start: string, end: string): { from: number; to: number } | null {
  const doc = text.doc;
  if (!doc) return null;
  try {
    const a = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(fromBase64(start)), doc);
    const b = Y.createAbsolutePositionFromRelativePosition(Y.decodeRelativePosition(fromBase64(end)), doc);
    if (!a || !b || a.type !== text || b.type !== text || a.index >= b.index) return null;
    return { from: a.index, to: b.index };
  } catch {
    return null;
  }
}

/// The anchor the server expects for `from..to` in `text`: relative positions, start with
/// assoc 0 on the first character, end with assoc -1 after the last.
export function anchorOf(field: string, text: Y.Text, from: number, to: number) {
  const start = Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, from, 0));
  const end = Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, to, -1));
  return { field, start: toBase64(start), end: toBase64(end) };
}
