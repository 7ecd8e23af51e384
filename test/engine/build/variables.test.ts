import { describe, expect, it } from 'vitest';
import { ArgScope, BuildArgs, envMap, expandWord, parseBuildArgs, platformArgs, stageLookup, type Lookup } from '../../../src-main/engine/build/variables';
import { isStrataError } from '@shared/errors';

const vars: Record<string, string> = { NAME: 'strata', EMPTY: '', PATH: '/bin', SPACED: 'a b' };
const lookup: Lookup = (name) => vars[name];
const expand = (word: string, options = {}) => expandWord(word, lookup, options);

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('expandWord', () => {
  it.each([
    ['$NAME', 'strata'],
    ['${NAME}', 'strata'],
    ['pre-${NAME}-post', 'pre-strata-post'],
    ['$NAME.txt', 'strata.txt'],
    ['$NAMEX', ''],
    ['$UNSET', ''],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${UNSET-fallback}', 'fallback'],
    ['${NAME:-fallback}', 'strata'],
    ['${NAME:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${UNSET:-$NAME/x}', 'strata/x'],
    ['${UNSET:-${ALSO:-deep}}', 'deep'],
    ['${UNSET:-a b}', 'a b'],
    ['$', '$'],
    ['a$', 'a$'],
    ['$1', '$1'],
    ['cost: 5$ each', 'cost: 5$ each'],
  ])('%s → %s', (word, expected) => {
    expect(expand(word)).toBe(expected);
  });

  it('escapes: \\$ is a literal dollar, \\x is x, a trailing escape stays', () => {
    expect(expand('\\$NAME')).toBe('$NAME');
    expect(expand('\\${NAME}')).toBe('${NAME}');
    expect(expand('a\\ b')).toBe('a b');
    expect(expand('\\\\$NAME')).toBe('\\strata');
    expect(expand('end\\')).toBe('end\\');
  });

  it('quotes: single quotes are literal, double quotes expand, and both are removed', () => {
    expect(expand("'$NAME'")).toBe('$NAME');
    expect(expand('"$NAME and $SPACED"')).toBe('strata and a b');
    expect(expand('"say \\"hi\\" \\$NAME \\n"')).toBe('say "hi" $NAME \\n');
    expect(expand('x"$NAME"\'$NAME\'y')).toBe('xstrata$NAMEy');
    expect(expand('"it\'s"')).toBe("it's");
    expect(expand('${UNSET:-"quoted default"}')).toBe('quoted default');
  });

  it('without quote processing (JSON form) quotes are kept and only \\$ is an escape', () => {
    expect(expand("it's $NAME", { quotes: false })).toBe("it's strata");
    expect(expand('C:\\dir\\sub $NAME \\$NAME "$NAME"', { quotes: false })).toBe('C:\\dir\\sub strata $NAME "strata"');
  });

  it('uses the escape directive character', () => {
    expect(expand('`$NAME C:\\dir', { escape: '`' })).toBe('$NAME C:\\dir');
  });

  it('${X:?msg} and ${X?msg} fail when the name is missing', () => {
    expect(expand('${NAME:?must be set}')).toBe('strata');
    expect(errorOf(() => expand('${EMPTY:?must be set}', { where: 'line 3' }))).toBe('line 3: EMPTY: must be set');
    expect(expand('${EMPTY?must be set}')).toBe('');
    expect(errorOf(() => expand('${UNSET?}'))).toBe('UNSET: is not set');
  });

  it('refuses malformed substitutions', () => {
    expect(errorOf(() => expand('${NAME'))).toMatch(/missing '}'/);
    expect(errorOf(() => expand('${}'))).toMatch(/bad substitution/);
    expect(errorOf(() => expand('${1}'))).toMatch(/bad substitution/);
    expect(errorOf(() => expand('${NAME%.txt}'))).toMatch(/unsupported substitution/);
    expect(errorOf(() => expand('"open'))).toMatch(/unterminated double quote/);
    expect(errorOf(() => expand("'open"))).toMatch(/unterminated single quote/);
  });
});

describe('build args and scopes', () => {
  it('parses --build-arg K=V and K (from the environment, dropped when unset)', () => {
    expect(parseBuildArgs(['A=1', 'B=x=y', 'C=', 'HOME', 'NOPE'], { HOME: '/root' })).toEqual({ A: '1', B: 'x=y', C: '', HOME: '/root' });
    expect(() => parseBuildArgs(['=x'])).toThrow(/expected NAME=VALUE/);
    // The API's name rule (@shared/build-input), said at the flag: a name $NAME could not expand never reaches a build.
    expect(() => parseBuildArgs(['MY-ARG=x'])).toThrow('--build-arg "MY-ARG=x": expected NAME=VALUE. "-" can not be in a name: letters, digits and _ only.');
  });

  it('a build-arg overrides an ARG default; only declared ARGs take it', () => {
    const buildArgs = new BuildArgs({ A: 'given', UNUSED: 'x', HTTP_PROXY: 'http://proxy' });
    const scope = new ArgScope(buildArgs);
    scope.declare('A', 'default');
    scope.declare('B', 'default-b');
    scope.declare('C', undefined);
    expect(scope.get('A')).toBe('given');
    expect(scope.get('B')).toBe('default-b');
    expect(scope.get('C')).toBeUndefined();
    expect(scope.entries()).toEqual([['A', 'given'], ['B', 'default-b']]);
    // UNUSED was never declared; proxy args are predefined and never reported.
    expect(buildArgs.unconsumedWarning()).toBe('build-args not consumed by any ARG in the stages built: UNUSED');
    expect(buildArgs.proxyEnv()).toEqual(['HTTP_PROXY=http://proxy']);
  });

  it('a stage ARG without a default inherits the global (meta) ARG value', () => {
    const buildArgs = new BuildArgs();
    const meta = new ArgScope(buildArgs);
    meta.declare('VERSION', '1.2');
    const stage = new ArgScope(buildArgs, meta.values());
    expect(stage.get('VERSION')).toBeUndefined(); // not visible until declared in the stage
    stage.declare('VERSION', undefined);
    expect(stage.get('VERSION')).toBe('1.2');
    const other = new ArgScope(buildArgs, meta.values());
    other.declare('VERSION', '9'); // a stage default wins over the global one
    expect(other.get('VERSION')).toBe('9');
  });

  it('ENV overrides an ARG of the same name', () => {
    const scope = new ArgScope(new BuildArgs({ V: 'from-arg' }));
    scope.declare('V', undefined);
    scope.declare('W', 'w');
    const look = stageLookup(['V=from-env', 'PATH=/bin'], scope);
    expect(look('V')).toBe('from-env');
    expect(look('W')).toBe('w');
    expect(look('PATH')).toBe('/bin');
    expect(look('NONE')).toBeUndefined();
  });

  it('envMap keeps the last value of a name and values containing =', () => {
    expect([...envMap(['A=1', 'B=x=y', 'A=2', 'C='])]).toEqual([['A', '2'], ['B', 'x=y'], ['C', '']]);
  });

  it('platform args name this machine', () => {
    expect(platformArgs('arm64')).toMatchObject({ TARGETPLATFORM: 'linux/arm64', TARGETARCH: 'arm64', TARGETOS: 'linux', BUILDARCH: 'arm64' });
  });
});
