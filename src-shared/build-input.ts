// What a build takes besides its context, checked the same way by the API (its input
// schema), the engine (for callers in its own process) and the Build dialog (at the field,
// before anything is sent): build-arg names and a Containerfile given as text.

/**
 * A build-arg name: what `$NAME` can expand in a Containerfile (a letter or `_`, then
 * letters, digits, `_`). A name the shell could not expand could never reach a RUN.
 */
export const BUILD_ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The longest Containerfile text a build takes inline (the window's editor), in UTF-16
 * units as the schema counts them: Containerfiles are a few KiB; anything near this is a
 * wrong paste, not a build.
 */
export const MAX_CONTAINERFILE_TEXT = 256 * 1024;

/** What is wrong with a build-arg name, in words for the field under it (and the CLI's error); undefined when it is fine. */
export function buildArgNameProblem(name: string): string | undefined {
  if (name === '') return 'A name is needed.';
  if (BUILD_ARG_NAME.test(name)) return undefined;
  if (/^[0-9]/.test(name)) return 'A name starts with a letter or _.';
  const bad = [...name].find((char) => !/[A-Za-z0-9_]/.test(char))!;
  return `${bad === ' ' ? 'A space' : JSON.stringify(bad)} can not be in a name: letters, digits and _ only.`;
}

/** What is wrong with a Containerfile given as text (its length only: the engine parses it). */
export function containerfileTextProblem(text: string): string | undefined {
  if (text.trim() === '') return 'The Containerfile is empty: it needs at least a FROM line.';
  if (text.length > MAX_CONTAINERFILE_TEXT) return `The Containerfile is too long: ${text.length} characters, at most ${MAX_CONTAINERFILE_TEXT}.`;
  return undefined;
}
