/**
 * The Calls page's state: the current query, the pages loaded so far, and the selected call. Refetched when main
 * says the calls table changed (after a sync), never polled.
 */
import { create } from 'zustand';
import type { CallDetail, CallListItem, CallListQuery, MissingReport } from '../../../shared/domain';
import type { AppErrorData } from '../../../shared/errors';
import { ava } from '../ava';

const PAGE_SIZE = 100;

export interface CallFilters {
  text: string;
  status: string;
  onlyMissingFromBackend: boolean;
}

interface CallsState {
  filters: CallFilters;
  items: CallListItem[];
  total: number;
  nextCursor: string | null;
  loading: boolean;
  error: AppErrorData | null;
  selectedId: string | null;
  detail: CallDetail | null;
  detailError: AppErrorData | null;
  missing: MissingReport | null;
  setFilters(patch: Partial<CallFilters>): void;
  reload(): Promise<void>;
  loadMore(): Promise<void>;
  select(id: string | null): Promise<void>;
  loadMissing(): Promise<void>;
}

function toQuery(filters: CallFilters, cursor?: string): CallListQuery {
  const query: CallListQuery = { limit: PAGE_SIZE };
  if (filters.text.trim()) query.text = filters.text.trim();
  if (filters.status) query.status = filters.status;
  if (filters.onlyMissingFromBackend) query.onlyMissingFromBackend = true;
  if (cursor) query.cursor = cursor;
  return query;
}

/** Only the newest request may write its answer (typing fast fires several searches). */
let generation = 0;

export const useCalls = create<CallsState>((set, get) => ({
  filters: { text: '', status: '', onlyMissingFromBackend: false },
  items: [],
  total: 0,
  nextCursor: null,
  loading: false,
  error: null,
  selectedId: null,
  detail: null,
  detailError: null,
  missing: null,
  setFilters(patch) {
    set({ filters: { ...get().filters, ...patch } });
    void get().reload();
  },
  async reload() {
    const mine = ++generation;
    set({ loading: true });
    const page = await ava().calls.list(toQuery(get().filters));
    if (mine !== generation) return;
    if (!page.ok) {
      set({ loading: false, error: page.error });
      return;
    }
    set({
      loading: false,
      error: null,
      items: page.value.items,
      total: page.value.total,
      nextCursor: page.value.nextCursor,
    });
    const { selectedId } = get();
    if (selectedId) void get().select(selectedId);
  },
  async loadMore() {
    const { nextCursor, loading } = get();
    if (!nextCursor || loading) return;
    const mine = generation;
    set({ loading: true });
    const page = await ava().calls.list(toQuery(get().filters, nextCursor));
    if (mine !== generation) return;
    if (!page.ok) {
      set({ loading: false, error: page.error });
      return;
    }
    set({
      loading: false,
      items: [...get().items, ...page.value.items],
      nextCursor: page.value.nextCursor,
      total: page.value.total,
    });
  },
  async select(id) {
    set({ selectedId: id, detailError: null, ...(id === get().detail?.id ? {} : { detail: null }) });
    if (!id) return;
    const detail = await ava().calls.get({ id });
    if (get().selectedId !== id) return;
    if (detail.ok) set({ detail: detail.value });
    else set({ detailError: detail.error });
  },
  async loadMissing() {
    const report = await ava().calls.missing();
    if (report.ok) set({ missing: report.value });
  },
}));
