// Live AI generation in the editor: start a job (what to write, and a prompt), and, for
// everyone in the room, a line per running job — the AI is a participant of its own whose
// presence names the job, whose cursor shows in the text as it writes — with its progress
// and a Cancel button for editors.
import { useEffect, useState } from 'preact/hooks';
import type { Awareness } from 'y-protocols/awareness';
import { errorText, get, ItemType, post } from '../api';

interface GenerationView {
  id: string;
  item_id: string;
  kind: 'description' | 'acceptance_criteria' | 'children';
  state: 'running' | 'finished' | 'cancelled' | 'failed';
  tokens: number;
  error?: string | null;
}

interface Writing {
  id: string;
  kind: string;
  name: string;
}

const KIND_TEXT: Record<string, string> = {
  description: 'the description',
  acceptance_criteria: 'acceptance criteria',
  children: 'child items',
};

/// The generations writing in this room now, from the awareness states.
function useWriting(awareness: Awareness): Writing[] {
  const [writing, setWriting] = useState<Writing[]>([]);
  useEffect(() => {
    const update = () => {
      const out = new Map<string, Writing>();
      awareness.getStates().forEach((s) => {
        const g = s.generation as { id?: string; kind?: string } | undefined;
        const u = s.user as { name?: string; ai?: boolean } | undefined;
        if (g?.id && u?.ai) out.set(g.id, { id: g.id, kind: g.kind ?? 'description', name: u.name ?? 'AI' });
      });
      setWriting([...out.values()]);
    };
    update();
    awareness.on('change', update);
    return () => awareness.off('change', update);
  }, [awareness]);
  return writing;
}

function Job({ job, editable }: { job: Writing; editable: boolean }) {
  const [tokens, setTokens] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const poll = () =>
      get<GenerationView>(`/api/v1/generations/${job.id}`).then(
        (g) => live && setTokens(g.tokens),
        () => undefined,
      );
    poll();
    const t = window.setInterval(poll, 1000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [job.id]);
  return (
    <div class="ai-writing" role="status" aria-label="AI writing" data-generation={job.id}>
      <span class="avatar ai">AI</span> {job.name} is writing {KIND_TEXT[job.kind] ?? job.kind}…
      {tokens !== null && <span class="muted"> {tokens} tokens so far</span>}
      {editable && (
        <button
          class="link"
          onClick={() => post(`/api/v1/generations/${job.id}/cancel`).catch((e) => setError(errorText(e)))}
        >
          Cancel
        </button>
      )}
      {error && <span class="error small">{error}</span>}
    </div>
  );
}

export function AiWriting({ awareness, editable }: { awareness: Awareness; editable: boolean }) {
  const writing = useWriting(awareness);
  return (
    <>
      {writing.map((w) => (
        <Job key={w.id} job={w} editable={editable} />
      ))}
    </>
  );
}

/// Starts a generation on the item (Editors and up).
export function GenerateButton({ itemId, type }: { itemId: string; type: ItemType }) {
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<GenerationView['kind']>('description');
  const [prompt, setPrompt] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [last, setLast] = useState<GenerationView | null>(null);
  useEffect(() => {
    if (!last || last.state !== 'running') return;
    const t = window.setInterval(
      () => get<GenerationView>(`/api/v1/generations/${last.id}`).then(setLast, () => undefined),
      1000,
    );
    return () => clearInterval(t);
  }, [last?.id, last?.state]);
  if (!open)
    return (
      <span class="ai-start">
        <button class="link" onClick={() => setOpen(true)}>
          Generate with AI
        </button>
        {last && last.state !== 'running' && (
          <span class="muted small" role="status" aria-label="Last generation">
            {' '}
            Generation {last.state}
            {last.error ? `: ${last.error}` : ''}
          </span>
        )}
      </span>
    );
  return (
    <form
      class="ai-form"
      aria-label="Generate with AI"
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        try {
          const g = await post<GenerationView>(`/api/v1/items/${itemId}/generate`, { kind, prompt: prompt.trim() });
          setLast(g);
          setOpen(false);
          setPrompt('');
        } catch (err) {
          setError(errorText(err));
        }
      }}
    >
      <label class="field small">
        <span>Write</span>
        <select aria-label="What to write" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as GenerationView['kind'])}>
          <option value="description">the description</option>
          <option value="acceptance_criteria">acceptance criteria</option>
          {type !== 'task' && <option value="children">child items</option>}
        </select>
      </label>
      <textarea
        aria-label="Prompt"
        placeholder="What should it write? (optional)"
        maxLength={4000}
        value={prompt}
        onInput={(e) => setPrompt((e.target as HTMLTextAreaElement).value)}
      />
      <button type="submit">Start</button>
      <button type="button" class="link" onClick={() => setOpen(false)}>
        Close
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
