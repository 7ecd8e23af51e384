import { describe, expect, it } from 'vitest';
import { lexContainerfile } from '../../../src-main/engine/build/containerfile-lexer';
import { parseContainerfile, splitWords, type Instruction } from '../../../src-main/engine/build/containerfile-parser';
import { isStrataError, type ErrorCode } from '@shared/errors';

function failure(run: () => unknown): { code: ErrorCode; message: string } {
  try {
    run();
  } catch (error) {
    if (isStrataError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a StrataError');
}

/** The instructions after the FROM line every test file starts with. */
function body(text: string): Instruction[] {
  return parseContainerfile(`FROM scratch\n${text}`).instructions.slice(1);
}

describe('Containerfile lexer', () => {
  it('joins continuations, keeping continuation indentation and dropping the escape', () => {
    const lexed = lexContainerfile('FROM a\nRUN apt-get update && \\\n    apt-get install -y x\nCMD y\n');
    expect(lexed.lines).toEqual([
      { line: 1, endLine: 1, text: 'FROM a' },
      { line: 2, endLine: 3, text: 'RUN apt-get update &&     apt-get install -y x' },
      { line: 4, endLine: 4, text: 'CMD y' },
    ]);
  });

  it('accepts blanks after the escape that continues a line', () => {
    const lexed = lexContainerfile('RUN a \\   \t\n  b\n');
    expect(lexed.lines).toEqual([{ line: 1, endLine: 2, text: 'RUN a   b' }]);
  });

  it('drops comment lines inside a continuation, as Docker does, and warns on empty ones', () => {
    const lexed = lexContainerfile('RUN one \\\n# a comment \\\n   # indented comment\n\n  two\nEXPOSE 80');
    expect(lexed.lines[0]).toEqual({ line: 1, endLine: 5, text: 'RUN one   two' });
    expect(lexed.lines[1]).toEqual({ line: 6, endLine: 6, text: 'EXPOSE 80' });
    expect(lexed.warnings).toEqual([expect.stringMatching(/^line 1: empty continuation/)]);
  });

  it('keeps a # that is not at the start of a line (it belongs to the shell)', () => {
    expect(lexContainerfile('RUN echo hi # not a comment').lines[0]!.text).toBe('RUN echo hi # not a comment');
  });

  it('handles CRLF, a BOM and indented instructions', () => {
    const lexed = lexContainerfile('\uFEFF  FROM a\r\n\tRUN b \\\r\n c\r\n');
    expect(lexed.lines.map((line) => line.text)).toEqual(['FROM a', 'RUN b  c']);
  });

  it('reads the escape directive: backtick continues lines, backslash is literal', () => {
    const lexed = lexContainerfile('# escape=`\nFROM a\nRUN dir C:\\ `\n  && echo done\nCOPY a\\ b\\ c:\\\n');
    expect(lexed.escape).toBe('`');
    expect(lexed.lines.map((line) => line.text)).toEqual(['FROM a', 'RUN dir C:\\   && echo done', 'COPY a\\ b\\ c:\\']);
  });

  it('notes and ignores # syntax=, and stops reading directives at the first other line', () => {
    const lexed = lexContainerfile('# syntax=docker/dockerfile:1\n# escape=`\n# a comment\n# escape=\\\nFROM a\n');
    expect(lexed.escape).toBe('`');
    expect(lexed.notes).toEqual([expect.stringMatching(/line 1: ignoring the "# syntax=docker\/dockerfile:1" directive/)]);
    // The second escape= comes after a plain comment: it is a comment, not a directive.
    expect(lexed.lines).toEqual([{ line: 5, endLine: 5, text: 'FROM a' }]);
  });

  it('an unknown directive ends the directive block', () => {
    const lexed = lexContainerfile('# foo=bar\n# escape=`\nFROM a');
    expect(lexed.escape).toBe('\\');
  });

  it('refuses a repeated directive and a bad escape character', () => {
    expect(failure(() => lexContainerfile('# escape=`\n# escape=`\nFROM a'))).toEqual({ code: 'INVALID_ARGUMENT', message: 'line 2: only one escape parser directive can be used' });
    expect(failure(() => lexContainerfile('# escape=x\nFROM a')).message).toMatch(/line 1: invalid escape character "x"/);
  });

  it('a continuation at the end of the file just ends the instruction', () => {
    expect(lexContainerfile('RUN a \\').lines).toEqual([{ line: 1, endLine: 1, text: 'RUN a ' }]);
  });
});

describe('Containerfile parser', () => {
  it('parses every supported instruction', () => {
    const file = parseContainerfile(
      [
        'ARG BASE=alpine',
        'from ${BASE} AS Build',
        'RUN make all',
        'RUN ["make", "install"]',
        'COPY --chown=1000:1000 --chmod=0755 src/ lib/*.so /app/',
        'COPY --from=build ["a b", "/dest dir/"]',
        'ADD site.tar.gz /srv/',
        'ENV A=1 B="two words" C=\'$x\'',
        'ENV LEGACY value with spaces',
        'LABEL org.example.v="1.0"',
        'ARG X Y=2',
        'WORKDIR /srv',
        'USER app:app',
        'EXPOSE 80/tcp 53/udp',
        'VOLUME ["/data"]',
        'VOLUME /a /b',
        'STOPSIGNAL SIGINT',
        'CMD ["serve"]',
        'ENTRYPOINT /entry.sh',
      ].join('\n'),
    );
    const strip = file.instructions.map((instruction) => {
      const { line: _line, endLine: _end, source: _source, ...rest } = instruction;
      return rest;
    });
    expect(strip).toEqual([
      { keyword: 'ARG', args: [{ name: 'BASE', defaultValue: 'alpine' }] },
      { keyword: 'FROM', image: '${BASE}', stageName: 'Build' },
      { keyword: 'RUN', command: { form: 'shell', script: 'make all' } },
      { keyword: 'RUN', command: { form: 'exec', args: ['make', 'install'] } },
      { keyword: 'COPY', sources: ['src/', 'lib/*.so'], dest: '/app/', json: false, chown: '1000:1000', chmod: '0755' },
      { keyword: 'COPY', sources: ['a b'], dest: '/dest dir/', json: true, from: 'build' },
      { keyword: 'ADD', sources: ['site.tar.gz'], dest: '/srv/', json: false },
      { keyword: 'ENV', pairs: [{ key: 'A', value: '1' }, { key: 'B', value: '"two words"' }, { key: 'C', value: "'$x'" }] },
      { keyword: 'ENV', pairs: [{ key: 'LEGACY', value: 'value with spaces' }] },
      { keyword: 'LABEL', pairs: [{ key: 'org.example.v', value: '"1.0"' }] },
      { keyword: 'ARG', args: [{ name: 'X' }, { name: 'Y', defaultValue: '2' }] },
      { keyword: 'WORKDIR', value: '/srv' },
      { keyword: 'USER', value: 'app:app' },
      { keyword: 'EXPOSE', items: ['80/tcp', '53/udp'], json: false },
      { keyword: 'VOLUME', items: ['/data'], json: true },
      { keyword: 'VOLUME', items: ['/a', '/b'], json: false },
      { keyword: 'STOPSIGNAL', value: 'SIGINT' },
      { keyword: 'CMD', command: { form: 'exec', args: ['serve'] } },
      { keyword: 'ENTRYPOINT', command: { form: 'shell', script: '/entry.sh' } },
    ]);
    expect(file.warnings).toEqual([expect.stringMatching(/line 9: "ENV key value" is a legacy form/)]);
  });

  it('records the first line of a continued instruction', () => {
    const [run] = body('\n\nRUN a \\\n  b');
    expect(run).toMatchObject({ line: 4, endLine: 5, keyword: 'RUN' });
  });

  it('reads a broken JSON array as shell form (a `[` test), but refuses non-string arrays', () => {
    expect(body('RUN [ -f /x ] && echo yes')[0]).toMatchObject({ command: { form: 'shell', script: '[ -f /x ] && echo yes' } });
    expect(body('CMD ["a", "b"')[0]).toMatchObject({ command: { form: 'shell' } });
    expect(failure(() => body('CMD ["a", 1]'))).toEqual({ code: 'INVALID_ARGUMENT', message: 'line 2: a JSON array form must hold only strings' });
  });

  it('keeps quotes and escapes in ENV words for the expansion step', () => {
    expect(body('ENV A="x y" B=a\\ b C=\'q "r"\'')[0]).toMatchObject({
      pairs: [{ key: 'A', value: '"x y"' }, { key: 'B', value: 'a\\ b' }, { key: 'C', value: '\'q "r"\'' }],
    });
    expect(splitWords('a "b c" d\\ e', '\\')).toEqual(['a', '"b c"', 'd\\ e']);
    expect(splitWords('a `"b c', '`')).toEqual(['a', '`"b', 'c']);
  });

  it('names the line of an unknown instruction', () => {
    expect(failure(() => parseContainerfile('FROM a\n\n# c\nFOO bar'))).toEqual({ code: 'INVALID_ARGUMENT', message: 'line 4: unknown instruction FOO' });
  });

  it('refuses known-but-unsupported instructions as UNSUPPORTED', () => {
    expect(failure(() => body('HEALTHCHECK CMD true'))).toEqual({ code: 'UNSUPPORTED', message: 'line 2: HEALTHCHECK is not supported by strata build yet' });
    expect(failure(() => body('SHELL ["/bin/bash", "-c"]')).code).toBe('UNSUPPORTED');
  });

  it('refuses heredocs by line, but not << inside quotes or arithmetic', () => {
    expect(failure(() => body('RUN echo ok\nRUN <<EOF\necho hi\nEOF'))).toEqual({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/^line 3: heredocs \(RUN <<…\) are not supported/),
    });
    expect(failure(() => body('COPY <<-"END" /x')).message).toMatch(/^line 2: heredocs \(COPY/);
    expect(failure(() => body('RUN cat<<EOF')).code).toBe('UNSUPPORTED');
    expect(body('RUN echo "<<EOF" \'<<X\' $((1<<2)) && cat <<< word')[0]).toMatchObject({ keyword: 'RUN' });
    expect(body('RUN ["sh", "-c", "cat <<EOF"]')[0]).toMatchObject({ keyword: 'RUN' });
  });

  it('checks flags: known ones, values, duplicates, unknown ones by line', () => {
    expect(failure(() => body('COPY --link a /b'))).toEqual({ code: 'INVALID_ARGUMENT', message: 'line 2: unknown flag --link for COPY (known: --chown, --chmod, --from)' });
    expect(failure(() => body('ADD --from=x a /b')).message).toBe('line 2: unknown flag --from for ADD (known: --chown, --chmod)');
    expect(failure(() => body('COPY --chown a /b')).message).toBe('line 2: --chown needs a value (--chown=…)');
    expect(failure(() => body('COPY --chown=1 --chown=2 a /b')).message).toBe('line 2: --chown given twice');
    expect(failure(() => body('ENV --x=1 A=b')).message).toBe('line 2: unknown flag --x for ENV');
    expect(failure(() => body('RUN --mount=type=cache,target=/x make'))).toEqual({ code: 'UNSUPPORTED', message: 'line 2: RUN --mount is not supported by strata build yet' });
    expect(body('COPY --chown="1:2" -- --odd /b')[0]).toMatchObject({ chown: '1:2', sources: ['--odd'] });
    expect(parseContainerfile('FROM --platform=$BUILDPLATFORM a AS b').instructions[0]).toMatchObject({ platform: '$BUILDPLATFORM', image: 'a', stageName: 'b' });
  });

  it('refuses instructions without their arguments', () => {
    expect(failure(() => body('RUN')).message).toBe('line 2: RUN needs arguments');
    expect(failure(() => body('COPY onlyone')).message).toBe('line 2: COPY needs at least one source and a destination');
    expect(failure(() => body('ENV A')).message).toMatch(/^line 2: ENV needs KEY=VALUE/);
    expect(failure(() => body('ENV A=1 B')).message).toMatch(/^line 2: ENV: can't find = in "B"/);
    expect(failure(() => body('LABEL =x')).message).toMatch(/^line 2: LABEL: a name can not be blank/);
    expect(failure(() => parseContainerfile('FROM a b')).message).toBe('line 1: FROM takes an image and an optional "AS name"');
  });

  it('refuses an empty file, a file without FROM, and instructions before FROM', () => {
    expect(failure(() => parseContainerfile(''))).toEqual({ code: 'INVALID_ARGUMENT', message: 'the Containerfile has no instructions (it needs at least a FROM line)' });
    expect(failure(() => parseContainerfile('# only a comment\n\n')).message).toMatch(/no instructions/);
    expect(failure(() => parseContainerfile('ARG A=1\nARG B')).message).toBe('the Containerfile has no FROM instruction');
    expect(failure(() => parseContainerfile('ARG A\nRUN x\nFROM a')).message).toBe('line 2: RUN before the first FROM (only ARG may come before FROM)');
  });

  it('uses the escape directive for word splitting', () => {
    const file = parseContainerfile('# escape=`\nFROM a\nENV P=C:\\path Q=a` b');
    expect(file.instructions[1]).toMatchObject({ pairs: [{ key: 'P', value: 'C:\\path' }, { key: 'Q', value: 'a` b' }] });
  });
});
