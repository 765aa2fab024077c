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

export function Description(props: { text: Y.Text; awareness: Awareness; editable: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const [html, setHtml] = useState('');
  const [tab, setTab] = useState<'write' | 'preview'>('write');

  useEffect(() => {
    if (!host.current) return;
    const undoManager = new Y.UndoManager(props.text);
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
        ],
      }),
    });
    return () => view.destroy();
  }, [props.text, props.awareness, props.editable]);

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
