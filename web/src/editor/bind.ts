// Binds a plain <input> to a Y.Text: local typing becomes a minimal change (common prefix and
// suffix kept), remote changes update the input while keeping the caret where it belongs.
import * as Y from 'yjs';

/// The single change that turns `a` into `b`.
export function diff(a: string, b: string): { index: number; remove: number; insert: string } {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  return { index: start, remove: a.length - start - end, insert: b.slice(start, b.length - end) };
}

export function applyText(text: Y.Text, next: string) {
  const d = diff(text.toString(), next);
  if (d.remove === 0 && d.insert === '') return;
  text.doc?.transact(() => {
    if (d.remove) text.delete(d.index, d.remove);
    if (d.insert) text.insert(d.index, d.insert);
  });
}

/// Keeps `input` and `text` in step; returns the function that unbinds them.
export function bindInput(input: HTMLInputElement, text: Y.Text): () => void {
  input.value = text.toString();
  const onInput = () => applyText(text, input.value);
  const observer = (e: Y.YTextEvent) => {
    if (e.transaction.local && document.activeElement === input) return;
    const start = input.selectionStart ?? 0;
    const end = input.selectionEnd ?? 0;
    // Move the caret by what was inserted or deleted before it.
    let pos = 0;
    let shiftStart = 0;
    let shiftEnd = 0;
    for (const op of e.delta) {
      if (op.retain) pos += op.retain;
      else if (typeof op.insert === 'string') {
        if (pos <= start) shiftStart += op.insert.length;
        if (pos <= end) shiftEnd += op.insert.length;
        pos += op.insert.length;
      } else if (op.delete) {
        if (pos < start) shiftStart -= Math.min(op.delete, start - pos);
        if (pos < end) shiftEnd -= Math.min(op.delete, end - pos);
      }
    }
    input.value = text.toString();
    if (document.activeElement === input) input.setSelectionRange(start + shiftStart, end + shiftEnd);
  };
  input.addEventListener('input', onInput);
  text.observe(observer);
  return () => {
    input.removeEventListener('input', onInput);
    text.unobserve(observer);
  };
}
