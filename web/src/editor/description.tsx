// The Markdown description: CodeMirror 6 bound to the Y.Text (remote cursors and
// selections labelled from awareness), and a preview sanitised with DOMPurify.
import { useEffect, useRef, useState } from 'preact/hooks';
import * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, drawSelection, highlightSpecialChars, placeholder } from '@codemirror/view';
import { defaultKeymap } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { markdown } from '@codemirror/lang-markdown';
import { yCollab } from 'y-codemirror.next';
import { marked } from 'marked';
import DOMPurify from 'dompurify';
import { Highlight, highlightField, resolveRange, setHighlights } from './anchors';
import type { ThreadView } from '../discussion/types';

/// A range selected in the description or a criterion (UTF-16 offsets in `text`).
export interface TextSelection {
  field: string;
  text: Y.Text;
  from: number;
  to: number;
}

/// The highlights of the open, attached threads anchored in `text` under `field`.
export function highlightsOf(text: Y.Text, field: string, threads: ThreadView[], active: string | null): Highlight[] {
  const out: Highlight[] = [];
  for (const t of threads) {
    const a = t.anchor;
    if (!a || a.field !== field || a.detached || t.resolved) continue;
    const r = resolveRange(text, a.start, a.end);
    if (r) out.push({ id: t.id, ...r, active: t.id === active });
  }
  return out;
}

export function Description(props: {
  text: Y.Text;
  awareness: Awareness;
  editable: boolean;
  threads: ThreadView[];
  activeThread: string | null;
  onSelection: (s: TextSelection) => void;
  onPickThread: (id: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const [html, setHtml] = useState('');
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  // The callbacks change every render; the editor reads them through refs.
  const cb = useRef(props);
  cb.current = props;

  useEffect(() => {
    if (!host.current) return;
    const undoManager = new Y.UndoManager(props.text);
    const reported = { from: -1, to: -1 };
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: props.text.toString(),
        extensions: [
          highlightSpecialChars(),
          drawSelection(),
          EditorView.lineWrapping,
          markdown(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          // Tab is left to the browser, so keyboard users can leave the editor.
          keymap.of(defaultKeymap),
          placeholder('Describe the item in Markdown…'),
          yCollab(props.text, props.awareness, { undoManager }),
          EditorState.readOnly.of(!props.editable),
          EditorView.editable.of(props.editable),
          EditorView.contentAttributes.of({ 'aria-label': 'Description (Markdown)' }),
          highlightField,
          EditorView.updateListener.of((u) => {
            if (!u.selectionSet && !u.docChanged) return;
            const m = u.state.selection.main;
            // Only a selection that moved re-renders the editor around it.
            if (m.from === reported.from && m.to === reported.to) return;
            reported.from = m.from;
            reported.to = m.to;
            cb.current.onSelection({ field: 'description', text: props.text, from: m.from, to: m.to });
          }),
          EditorView.domEventHandlers({
            click: (e) => {
              const mark = (e.target as HTMLElement).closest<HTMLElement>('[data-thread]');
              if (mark?.dataset.thread) cb.current.onPickThread(mark.dataset.thread);
            },
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      viewRef.current = null;
      view.destroy();
    };
  }, [props.text, props.awareness, props.editable]);

  // Highlights: recomputed from the relative positions when the threads change, and after
  // every change of the text (a frame later, once CodeMirror holds the same text).
  useEffect(() => {
    let frame = 0;
    const refresh = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const view = viewRef.current;
        if (!view) return;
        const hs = highlightsOf(props.text, 'description', cb.current.threads, cb.current.activeThread);
        view.dispatch({ effects: setHighlights.of(hs) });
      });
    };
    refresh();
    props.text.observe(refresh);
    return () => {
      cancelAnimationFrame(frame);
      props.text.unobserve(refresh);
    };
  }, [props.text, props.threads, props.activeThread, props.editable]);

  useEffect(() => {
    let frame = 0;
    const render = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const raw = marked.parse(props.text.toString(), { async: false }) as string;
        setHtml(DOMPurify.sanitize(raw));
      });
    };
    render();
    props.text.observe(render);
    return () => {
      cancelAnimationFrame(frame);
      props.text.unobserve(render);
    };
  }, [props.text]);

  return (
    <section class="description" aria-label="Description">
      <div class="tabs" role="tablist" aria-label="Description view">
        <button role="tab" aria-selected={tab === 'write'} onClick={() => setTab('write')}>
          Markdown
        </button>
        <button role="tab" aria-selected={tab === 'preview'} onClick={() => setTab('preview')}>
          Preview
        </button>
      </div>
      <div class={`desc-panes show-${tab}`}>
        <div class="cm-host" ref={host} />
        <div class="preview markdown" aria-label="Preview" dangerouslySetInnerHTML={{ __html: html }} />
      </div>
    </section>
  );
}
