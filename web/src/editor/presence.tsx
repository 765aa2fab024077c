// Who is on the item: avatars from the awareness states (the server fills in `user`).
import { useEffect, useState } from 'preact/hooks';
import type { Awareness } from 'y-protocols/awareness';

export interface Person {
  id: string;
  name: string;
  color: string;
  /// An AI generation writing for this person (a participant of its own).
  ai?: boolean;
}

export function usePresence(awareness: Awareness): Person[] {
  const [people, setPeople] = useState<Person[]>([]);
  useEffect(() => {
    const update = () => {
      const seen = new Map<string, Person>();
      awareness.getStates().forEach((s) => {
        const u = s.user as Partial<Person> | undefined;
        const key = `${u?.id}${u?.ai ? ':ai' : ''}`;
        if (u?.id && u.name && !seen.has(key)) seen.set(key, { id: u.id, name: u.name, color: u.color ?? '#777', ai: !!u.ai });
      });
      setPeople([...seen.values()].sort((a, b) => a.name.localeCompare(b.name)));
    };
    update();
    awareness.on('change', update);
    return () => awareness.off('change', update);
  }, [awareness]);
  return people;
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}

export function Presence({ people }: { people: Person[] }) {
  return (
    <ul class="presence" aria-label="People on this item">
      {people.map((p) => (
        <li key={`${p.id}${p.ai ? ':ai' : ''}`} class={`avatar${p.ai ? ' ai' : ''}`} style={{ background: p.color }} title={p.name} aria-label={p.name}>
          {p.ai ? 'AI' : initials(p.name)}
        </li>
      ))}
    </ul>
  );
}
