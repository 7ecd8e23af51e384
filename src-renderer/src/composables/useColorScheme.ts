// The system's light or dark preference, as a ref that follows it live (one listener for
// the whole window). The CSS follows it by itself; canvases (charts) read it to recolour.
import { type Ref, ref } from 'vue';

let scheme: Ref<'light' | 'dark'> | undefined;

export function useColorScheme(): Readonly<Ref<'light' | 'dark'>> {
  if (!scheme) {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const current = ref<'light' | 'dark'>(query.matches ? 'dark' : 'light');
    query.addEventListener('change', (event) => (current.value = event.matches ? 'dark' : 'light'));
    scheme = current;
  }
  return scheme;
}
