/*
 * The console's state, one object shared by the modules: who is signed in, the
 * queue as loaded, the open case (with what the reviewer has typed, so a re-render
 * never loses it) and the viewer. Modules change it and re-render what they own.
 */

export const QUEUE_PAGE = 50;
export const QUEUE_REFRESH_MS = 10000;

export const state = {
  /** { token, exp, id, role, permissions: Set } once the API has said who the token is. */
  session: null,
  queue: {
    filters: { status: 'in_review', band: '', assignee: '', flag: '' },
    items: [],
    nextCursor: null,
    counts: {},
    seq: 0,
    loaded: false,
    loading: false,
    selectedId: null, // keyboard cursor in the queue (j/k)
  },
  kase: {
    id: null,
    tab: 'case',
    data: null,
    seq: 0,
    error: null,
    action: null, // chosen decision action
    reason: '', // kept across re-renders so a refresh never eats typed text
    requested: new Set(),
    decisionError: '',
    claimError: '',
    busy: false,
    audit: null,
    auditError: null,
    focusOnRender: false,
  },
  viewer: { doc: null, variant: 'preview', zoom: 1, rotate: 0, fit: true, natW: 0, natH: 0, opener: null, seq: 0 },
  lastRoute: null,
};
