// Which top-level view the window shows. The only navigation state; views read it, the
// sidebar changes it.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

export const VIEW_IDS = ['containers', 'images', 'disk'] as const;
export type ViewId = (typeof VIEW_IDS)[number];

export interface ViewInfo {
  id: ViewId;
  label: string;
}

export const VIEWS: readonly ViewInfo[] = [
  { id: 'containers', label: 'Containers' },
  { id: 'images', label: 'Images' },
  { id: 'disk', label: 'Disk' },
];

export function isViewId(value: unknown): value is ViewId {
  return typeof value === 'string' && (VIEW_IDS as readonly string[]).includes(value);
}

export const useNavigationStore = defineStore('navigation', () => {
  const current = ref<ViewId>('containers');
  const currentView = computed(() => VIEWS.find((view) => view.id === current.value) ?? VIEWS[0]!);

  function show(id: ViewId): void {
    current.value = id;
  }

  return { views: VIEWS, current, currentView, show };
});
