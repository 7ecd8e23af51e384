// The xterm.js terminals behind the Terminal tab, one per container, made once and kept: an
// xterm Terminal can be opened into an element only once, so its element outlives the panel
// and is moved into each new panel (the session and its scrollback stay as they were).
// Coloured from the app's CSS variables, light or dark. Each has the search addon loaded
// (TerminalSearch.vue); Ctrl+Shift+F in the terminal asks the panel showing it for the bar.
import { FitAddon } from '@xterm/addon-fit';
import { type ISearchOptions, SearchAddon } from '@xterm/addon-search';
import { type ITheme, Terminal } from '@xterm/xterm';
import type { TerminalScreen } from '../../stores/terminals';

export interface HeldTerminal extends TerminalScreen {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
  /** The element xterm was opened into; the panel moves it into itself. */
  element: HTMLDivElement;
  /** Set by the panel showing it: what Ctrl+Shift+F in the terminal does (opens the search bar). */
  onSearchKey?: () => void;
}

const held = new Map<string, HeldTerminal>();

/** `#rrggbb` at `alpha` as rgba() (xterm parses hex and rgba, not color-mix); other forms as they are. */
function withAlpha(hex: string, alpha: number): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return match ? `rgba(${match.slice(1).map((part) => parseInt(part, 16)).join(', ')}, ${alpha})` : hex;
}

/** The app's colours now (they follow prefers-color-scheme), as an xterm theme. */
export function appTheme(): ITheme {
  const style = getComputedStyle(document.documentElement);
  const value = (name: string): string => style.getPropertyValue(name).trim();
  const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
  return {
    background: value('--code-bg'),
    foreground: value('--text'),
    cursor: value('--accent'),
    cursorAccent: value('--code-bg'),
    selectionBackground: value('--accent-soft'),
    selectionForeground: value('--text'),
    scrollbarSliderBackground: withAlpha(value('--text-faint'), 0.35),
    scrollbarSliderHoverBackground: withAlpha(value('--text-faint'), 0.55),
    scrollbarSliderActiveBackground: withAlpha(value('--text-faint'), 0.7),
    // ANSI colours readable on either background: the app's own where it has one.
    black: dark ? '#3b4048' : value('--text'),
    red: value('--danger'),
    green: value('--ok'),
    yellow: value('--warn'),
    blue: value('--accent'),
    magenta: value('--chart-pids'),
    cyan: value('--chart-rx'),
    white: dark ? value('--text') : value('--text-muted'),
    brightBlack: value('--text-faint'),
    brightWhite: dark ? '#ffffff' : value('--text'),
  };
}

/** The colours of search matches (the addon takes #rrggbb only): the app's warning shade for each match, its accent for the active one. */
export function searchDecorations(): NonNullable<ISearchOptions['decorations']> {
  const style = getComputedStyle(document.documentElement);
  const value = (name: string): string => style.getPropertyValue(name).trim();
  return {
    matchBackground: value('--warn-soft'),
    matchBorder: value('--warn'),
    matchOverviewRuler: value('--warn'),
    activeMatchBackground: value('--accent-soft'),
    activeMatchBorder: value('--accent'),
    activeMatchColorOverviewRuler: value('--accent'),
  };
}

/** Ctrl+Shift+F (Cmd+Shift+F): the search bar, rather than a key for the shell. */
function isSearchKey(event: KeyboardEvent): boolean {
  return event.type === 'keydown' && (event.ctrlKey || event.metaKey) && event.shiftKey && !event.altKey && event.code === 'KeyF';
}

/**
 * The terminal kept for container `id`, made (and opened into its own element) the first
 * time; what is typed and each new size go to the callbacks.
 */
export function terminalFor(id: string, on: { data(text: string): void; resize(rows: number, cols: number): void }): HeldTerminal {
  const existing = held.get(id);
  if (existing) return existing;
  const style = getComputedStyle(document.documentElement);
  const term = new Terminal({
    fontFamily: style.getPropertyValue('--font-mono').trim() || 'monospace',
    fontSize: 13,
    scrollback: 5000,
    cursorBlink: true,
    theme: appTheme(),
    allowProposedApi: true, // the search addon's match highlights are decorations, still a proposed API
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  const search = new SearchAddon();
  term.loadAddon(search);
  const element = document.createElement('div');
  element.className = 'terminal-screen';
  term.open(element);
  term.onData((text) => on.data(text));
  term.onResize(({ rows, cols }) => on.resize(rows, cols));
  const entry: HeldTerminal = {
    term,
    fit,
    search,
    element,
    write: (data) => term.write(data),
    reset: () => term.reset(),
    dispose() {
      held.delete(id);
      term.dispose();
      element.remove();
    },
  };
  term.attachCustomKeyEventHandler((event) => {
    if (!isSearchKey(event)) return true;
    event.preventDefault();
    entry.onSearchKey?.();
    return false;
  });
  held.set(id, entry);
  return entry;
}
