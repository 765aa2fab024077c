// Wire types of the history API (docs/openapi.json).

export interface Author {
  kind: 'user' | 'ai';
  user_id: string;
}
export interface VersionView {
  number: number;
  kind: 'auto' | 'named' | 'restore';
  cause: string;
  started_at: string;
  created_at: string;
  authors: Author[];
  message?: string | null;
  fields: string[];
  restored_from?: number | null;
}
export interface Segment {
  op: 'equal' | 'insert' | 'delete';
  text: string;
}
export interface Criterion {
  id: string;
  text: string;
  done: boolean;
}
export type CriteriaChange =
  | { change: 'added'; index: number; criterion: Criterion }
  | { change: 'removed'; index: number; criterion: Criterion }
  | { change: 'moved'; id: string; from: number; to: number }
  | { change: 'edited'; old: Criterion; new: Criterion; segments: Segment[] };
export interface FieldChange {
  field: string;
  old_value: unknown;
  new_value: unknown;
  operation: string;
}
export interface ItemDiff {
  fields: FieldChange[];
  title?: { segments: Segment[] } | null;
  description?: { segments: Segment[] } | null;
  acceptance_criteria: CriteriaChange[];
}
export interface RangeView {
  start: number;
  end: number;
  text: string;
  author?: Author | null;
}
export interface AttributionView {
  description: RangeView[];
  acceptance_criteria: { id: string; ranges: RangeView[] }[];
}
export interface SnapshotView {
  project_id: string;
  number: number;
  message: string;
  cause: string;
  created_by: string;
  created_at: string;
  item_count: number;
}
export type TreeChange =
  | { change: 'added' | 'removed'; id: string; title: string }
  | { change: 'moved'; id: string; title: string; from_parent?: string | null; to_parent?: string | null }
  | { change: 'retyped'; id: string; title: string; from: string; to: string }
  | { change: 'changed'; id: string; title: string; fields?: string[] };
