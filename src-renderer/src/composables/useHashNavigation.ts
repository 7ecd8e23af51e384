// Keeps the current view and the URL hash in step (#containers, #images, #disk), so a view
// can be linked to, reloaded, and opened directly by tests.
import { onBeforeUnmount, watch } from 'vue';
import { isViewId, useNavigationStore } from '../stores/navigation';

export function useHashNavigation(): void {
  const navigation = useNavigationStore();

  const fromHash = (): void => {
    const id = decodeURIComponent(window.location.hash.slice(1));
    if (isViewId(id)) navigation.show(id);
  };

  fromHash();
  window.addEventListener('hashchange', fromHash);
  onBeforeUnmount(() => window.removeEventListener('hashchange', fromHash));

  watch(
    () => navigation.current,
    (id) => {
      if (window.location.hash !== `#${id}`) window.history.replaceState(null, '', `#${id}`);
    },
  );
}
