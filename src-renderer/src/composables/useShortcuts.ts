// Window-wide keys: Ctrl+K (or Cmd+K) opens the command palette; "/" focuses the view's
// search field; Escape inside a view's detail goes back to its list.
import { onBeforeUnmount } from 'vue';
import { useNavigationStore } from '../stores/navigation';
import { usePaletteStore } from '../stores/palette';

export function useShortcuts(): void {
  const palette = usePaletteStore();
  const navigation = useNavigationStore();

  const typing = (target: EventTarget | null): boolean =>
    target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

  function onKey(event: KeyboardEvent): void {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
      event.preventDefault();
      if (palette.open) palette.hide();
      else palette.show();
      return;
    }
    if (typing(event.target) || document.querySelector('dialog[open]')) return;
    if (event.key === '/') {
      const search = document.querySelector<HTMLInputElement>('main input[type="search"]');
      if (search) {
        event.preventDefault();
        search.focus();
      }
    } else if (event.key === 'Escape' && navigation.detail) {
      navigation.show(navigation.current);
    }
  }

  window.addEventListener('keydown', onKey);
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
