// Wire types of the discussion API (docs/openapi.json).

export interface AnchorView {
  field: string;
  start: string;
  end: string;
  from?: number | null;
  to?: number | null;
  quote: string;
  text: string;
  detached: boolean;
}
export interface ReactionView {
  emoji: string;
  count: number;
  user_ids: string[];
}
export interface CommentView {
  id: string;
  thread_id: string;
  author_id: string;
  body: string;
  html: string;
  created_at: string;
  edited_at?: string | null;
  deleted: boolean;
  reactions: ReactionView[];
  mentioned_user_ids: string[];
}
export interface ThreadView {
  id: string;
  item_id: string;
  created_by: string;
  created_at: string;
  resolved: boolean;
  resolved_at?: string | null;
  resolved_by?: string | null;
  anchor?: AnchorView | null;
  comments: CommentView[];
}
export interface MentionsView {
  mentioned_user_ids: string[];
  unresolved_mentions: string[];
  mentions_without_access: string[];
}
export interface SuggestionView {
  user_id: string;
  handle: string;
  name: string;
}
export interface ThreadCreated {
  thread: ThreadView;
  mentions: MentionsView;
}
export interface CommentWrittenView {
  comment: CommentView;
  mentions: MentionsView;
}
