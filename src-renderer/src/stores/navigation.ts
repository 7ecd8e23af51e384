// Where the window is: the top-level view, and which container or image is open in it.
// The only navigation state; the URL hash mirrors it (see useHashNavigation).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

export const VIEW_IDS = ['containers', 'images', 'disk', 'jobs'] as const;
export type ViewId = (typeof VIEW_IDS)[number];

export interface ViewInfo {
  id: ViewId;
  label: string;
}

export const VIEWS: readonly ViewInfo[] = [
  { id: 'containers', label: 'Containers' },
  { id: 'images', label: 'Images' },
  { id: 'disk', label: 'Disk' },
  { id: 'jobs', label: 'Jobs' },
];

export function isViewId(value: unknown): value is ViewId {
  return typeof value === 'string' && (VIEW_IDS as readonly string[]).includes(value);
}

export const useNavigationStore = defineStore('navigation', () => {
  const current = ref<ViewId>('containers');
  /** The container (Containers) or image (Images) opened in the current view, by id. */
  const detail = ref<string | undefined>();
  const currentView = computed(() => VIEWS.find((view) => view.id === current.value) ?? VIEWS[0]!);

  function show(id: ViewId, open?: string): void {
    current.value = id;
    detail.value = open;
  }

  /** The hash form: `containers`, `containers/<id>`, `images/<id>`. */
  const hash = computed(() => (detail.value ? `${current.value}/${encodeURIComponent(detail.value)}` : current.value));

  /** Goes where a hash says; one that names no view, or cannot be decoded (typed by hand), changes nothing. */
  function fromHash(text: string): void {
    const [view, open] = text.split('/', 2);
    if (!isViewId(view)) return;
    let id: string | undefined;
    try {
      id = open ? decodeURIComponent(open) : undefined;
    } catch {
      return; // URIError: `#containers/%` would otherwise throw from the page's start-up
    }
    show(view, id);
  }

  return { views: VIEWS, current, detail, currentView, hash, show, fromHash };
});
