// Where the Build dialog's Containerfile comes from, and what it offers: the context's own
// (or a file named, relative to the context), or text written in the dialog's editor. Each
// is outlined as it changes (images.containerfileOutline, a quarter second after the last
// keystroke): its stages (the Target list), its ARGs (offered as build arguments), and a
// parse error with its line. A context without a Containerfile opens the editor for the
// user, with a starter text; a context that has one closes it again, unless the user chose
// to write one.
import { type Ref, computed, onBeforeUnmount, ref, shallowRef, watch } from 'vue';
import { containerfileTextProblem } from '@shared/build-input';
import type { ContainerfileOutline } from '@shared/api/types/images';
import { errorMessage } from '../api/errors';

export type ContainerfileSourceKind = 'context' | 'editor';

type OutlineInput = { contextDir: string } | { containerfile: string } | { containerfileText: string };

export interface ContainerfileSourceOptions {
  contextDir: Ref<string>;
  /** Build was pressed: a missing Containerfile is said from then on. */
  submitted: Ref<boolean>;
  /** The editor's first text. */
  starter: () => string;
  outlineOf: (input: OutlineInput) => Promise<ContainerfileOutline>;
}

export function useContainerfileSource({ contextDir, submitted, starter, outlineOf }: ContainerfileSourceOptions) {
  /** The path typed in the context mode (empty: Containerfile, else Dockerfile). */
  const containerfile = ref('');
  const source = ref<ContainerfileSourceKind>('context');
  const editorText = ref('');
  /** The editor was opened for the user (the context has none), not chosen by them. */
  const editorOpenedForUser = ref(false);
  /** The user picked the source for this context: it is no longer switched for them. */
  let sourcePicked = false;

  const contextOutline = shallowRef<ContainerfileOutline | undefined>();
  const editorOutline = shallowRef<ContainerfileOutline | undefined>();
  /** Why the context (or the file named) could not be read, said at that field. */
  const readProblem = ref<{ field: 'context' | 'containerfile'; message: string } | undefined>();
  /** The outline of the Containerfile the build would use. */
  const outline = computed(() => (source.value === 'editor' ? editorOutline.value : contextOutline.value));

  const dir = () => contextDir.value.trim().replace(/(.)\/+$/, '$1');

  /** The path field's file: absolute, or relative to the context (as the window means it). */
  function containerfilePath(): string | undefined {
    const file = containerfile.value.trim();
    if (!file) return undefined;
    if (file.startsWith('/')) return file;
    return dir().startsWith('/') ? `${dir()}/${file}` : undefined;
  }

  /** A path as the form shows it: relative to the context when it is inside. */
  function inContext(file: string): string {
    return dir() && file.startsWith(`${dir()}/`) ? file.slice(dir().length + 1) : file;
  }

  // Answers can come back out of order: only the latest request's counts.
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  onBeforeUnmount(() => clearTimeout(timer));
  function outlineSoon(): void {
    clearTimeout(timer);
    timer = setTimeout(() => void refresh(), 250);
  }

  async function refresh(): Promise<void> {
    const request = ++asked;
    if (source.value === 'editor') {
      const text = editorText.value;
      if (containerfileTextProblem(text)) return void (editorOutline.value = undefined);
      const answer = await outlineOf({ containerfileText: text }).catch(() => undefined);
      if (request === asked) editorOutline.value = answer;
      return;
    }
    const file = containerfilePath();
    // A file named is outlined by itself (its errors are its field's); else the context's is looked for.
    const input = file ? { containerfile: file } : dir().startsWith('/') ? { contextDir: dir() } : undefined;
    if (!input) {
      contextOutline.value = undefined;
      readProblem.value = undefined;
      return;
    }
    try {
      const answer = await outlineOf(input);
      if (request !== asked) return;
      contextOutline.value = answer;
      readProblem.value = undefined;
      if (!answer.found && !sourcePicked) openEditor(false);
    } catch (error) {
      if (request !== asked) return;
      contextOutline.value = undefined;
      readProblem.value = { field: file ? 'containerfile' : 'context', message: errorMessage(error) };
    }
  }

  watch([contextDir, containerfile], ([now], [before]) => {
    if (now !== before) sourcePicked = false;
    // Another context may have its Containerfile: back to it, unless the user chose to write one.
    if (source.value === 'editor' && editorOpenedForUser.value) source.value = 'context';
    outlineSoon();
  });
  watch([editorText, source], outlineSoon);

  /** Opens the editor: `chosen` by the user, or for them (the context has no Containerfile). */
  function openEditor(chosen: boolean): void {
    editorOpenedForUser.value = !chosen;
    if (editorText.value.trim() === '') editorText.value = starter();
    source.value = 'editor';
  }

  function choose(kind: ContainerfileSourceKind): void {
    sourcePicked = true;
    if (kind === 'editor') return openEditor(true);
    editorOpenedForUser.value = false;
    source.value = 'context';
  }

  const contextReadProblem = computed(() => (readProblem.value?.field === 'context' ? readProblem.value.message : undefined));
  const pathHint = computed(() => {
    const known = contextOutline.value;
    if (!known || !known.found) return 'Default: Containerfile, else Dockerfile; or an absolute path.';
    if (known.problem) return undefined;
    const args = known.args.length ? ` · ARG ${known.args.map((arg) => arg.name).join(', ')}` : '';
    return `Found ${inContext(known.file!)}: ${known.stages.length} stage${known.stages.length === 1 ? '' : 's'}${args}`;
  });
  /** What is wrong with the context's Containerfile (or the file named), said at the path field. */
  const pathProblem = computed(() => {
    if (readProblem.value?.field === 'containerfile') return readProblem.value.message;
    if (contextOutline.value?.found === false && submitted.value) return 'This context has no Containerfile or Dockerfile: write one here, or name one.';
    const problem = contextOutline.value?.problem;
    return problem && `${problem.line !== undefined ? `Line ${problem.line}: ` : ''}${problem.message}`;
  });
  const editorProblem = computed(() => {
    const own = containerfileTextProblem(editorText.value);
    return own ? { message: own } : editorOutline.value?.problem;
  });
  const editorHint = computed(() =>
    editorOpenedForUser.value ? 'This context has no Containerfile or Dockerfile: this one is used instead, for this build only (not saved).' : 'Used for this build only: it is not saved, in the context or anywhere.',
  );
  /** The source has a problem the build would fail on at once. */
  const blocked = computed(() => (source.value === 'editor' ? !!editorProblem.value : !!pathProblem.value));

  /** The build's input for the Containerfile, and how the dialog's summary names it. */
  function buildInput(): { input: { containerfileText: string } | { containerfile: string } | Record<string, never>; shown: string } {
    if (source.value === 'editor') return { input: { containerfileText: editorText.value }, shown: 'Containerfile written here' };
    const file = containerfilePath();
    return { input: file ? { containerfile: file } : {}, shown: inContext(file ?? contextOutline.value?.file ?? 'Containerfile') };
  }

  return { containerfile, source, editorText, outline, choose, contextReadProblem, pathHint, pathProblem, editorProblem, editorHint, blocked, buildInput };
}
