// A diff between two versions of an item: field changes, word-level text changes (inserted
// words marked `ins`, removed `del`) and acceptance criteria as a list.
import type { CriteriaChange, ItemDiff, Segment } from './types';

export function Segments({ segments }: { segments: Segment[] }) {
  return (
    <>
      {segments.map((s, i) =>
        s.op === 'insert' ? (
          <ins key={i}>{s.text}</ins>
        ) : s.op === 'delete' ? (
          <del key={i}>{s.text}</del>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

const show = (v: unknown) => (v === null || v === undefined ? 'none' : typeof v === 'string' ? v : JSON.stringify(v));

function criterion(c: CriteriaChange, i: number) {
  switch (c.change) {
    case 'added':
      return (
        <li key={i}>
          <ins>added</ins> at {c.index + 1}: “{c.criterion.text}”{c.criterion.done ? ' (done)' : ''}
        </li>
      );
    case 'removed':
      return (
        <li key={i}>
          <del>removed</del> from {c.index + 1}: “{c.criterion.text}”
        </li>
      );
    case 'moved':
      return (
        <li key={i}>
          moved from {c.from + 1} to {c.to + 1}
        </li>
      );
    case 'edited':
      return (
        <li key={i}>
          edited: “{c.segments.length ? <Segments segments={c.segments} /> : c.new.text}”
          {c.old.done !== c.new.done ? (c.new.done ? ' (checked)' : ' (unchecked)') : ''}
        </li>
      );
  }
}

/// Fields shown by their own word or list diff rather than as old → new values.
const OWN_VIEW = (field: string) => field === 'title' || field === 'description' || field.startsWith('acceptance_criteria');

export function DiffView({ diff }: { diff: ItemDiff }) {
  const fields = diff.fields.filter((f) => !OWN_VIEW(f.field));
  const nothing = !diff.fields.length;
  return (
    <div class="diff" aria-label="Changes">
      {nothing && <p class="muted">No differences.</p>}
      {fields.length > 0 && (
        <table aria-label="Field changes">
          <tbody>
            {fields.map((f) => (
              <tr key={f.field}>
                <td>{f.field}</td>
                <td>
                  <del>{show(f.old_value)}</del> → <ins>{show(f.new_value)}</ins>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {diff.title && (
        <>
          <h4>Title</h4>
          <div class="text" aria-label="Title changes">
            <Segments segments={diff.title.segments} />
          </div>
        </>
      )}
      {diff.description && (
        <>
          <h4>Description</h4>
          <div class="text" aria-label="Description changes">
            <Segments segments={diff.description.segments} />
          </div>
        </>
      )}
      {diff.acceptance_criteria.length > 0 && (
        <>
          <h4>Acceptance criteria</h4>
          <ul aria-label="Criteria changes">{diff.acceptance_criteria.map(criterion)}</ul>
        </>
      )}
    </div>
  );
}
