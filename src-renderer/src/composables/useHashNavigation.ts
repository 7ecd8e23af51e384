// Keeps the navigation and the URL hash in step (#containers, #containers/<id>,
// #images/<id>, #disk, #jobs), so a view can be linked to, reloaded, and opened directly by tests.
import { onBeforeUnmount, watch } from 'vue';
import { useNavigationStore } from '../stores/navigation';

export function useHashNavigation(): void {
  const navigation = useNavigationStore();

  const fromHash = (): void => navigation.fromHash(window.location.hash.slice(1));

  fromHash();
  window.addEventListener('hashchange', fromHash);
  onBeforeUnmount(() => window.removeEventListener('hashchange', fromHash));

  watch(
    () => navigation.hash,
    (hash) => {
      if (window.location.hash !== `#${hash}`) window.history.pushState(null, '', `#${hash}`);
    },
  );
}
