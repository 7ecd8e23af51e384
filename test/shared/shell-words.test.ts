// A command's words shown as a line and read back (src-shared/shell-words.ts): the line
// quotes what a shell would split or expand, bare words stay bare, and splitCommand() reads
// every line quoteCommand() writes back to the very same words.
import { describe, expect, it } from 'vitest';
import { quoteCommand, quoteWord, splitCommand } from '@shared/shell-words';

describe('quoteCommand', () => {
  it('leaves plain words bare', () => {
    expect(quoteCommand(['sleep', '600'])).toBe('sleep 600');
    expect(quoteCommand(['/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/etc'])).toBe('/bin/busybox httpd -f -p 80 -h /etc');
    expect(quoteCommand(['env', 'A=1,B=2', 'user@host:8080/x%y+z'])).toBe('env A=1,B=2 user@host:8080/x%y+z');
    expect(quoteCommand([])).toBe('');
  });

  it('single-quotes a script, so it reads as the one word it is', () => {
    expect(quoteCommand(['sh', '-c', 'while true; do echo tick; sleep 0.5; done'])).toBe("sh -c 'while true; do echo tick; sleep 0.5; done'");
    expect(quoteCommand(['sh', '-c', 'echo "$HOME" `id` \\n'])).toBe(`sh -c 'echo "$HOME" \`id\` \\n'`);
    expect(quoteCommand(['echo', '*', '~', 'a b', 'tab\there'])).toBe("echo '*' '~' 'a b' 'tab\there'");
  });

  it('shows an empty word as a pair of quotes', () => {
    expect(quoteCommand(['printf', ''])).toBe("printf ''");
  });

  it('double-quotes a word with an apostrophe when nothing in it expands, else closes and escapes it', () => {
    expect(quoteWord("it's")).toBe(`"it's"`);
    expect(quoteWord("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(quoteWord(`say "it's"`)).toBe(`'say "it'\\''s"'`);
    expect(quoteWord("'")).toBe(`"'"`);
  });
});

describe('splitCommand reads back what quoteCommand writes', () => {
  const samples: string[][] = [
    ['sh', '-c', "trap \"exit 3\" TERM; i=0; while true; do i=$((i+1)); echo line $i; done"],
    ['echo', "it's", `say "hi"`, 'back\\slash', '$HOME', '`id`', '!', ''],
    ['a b', ' leading', 'trailing ', 'new\nline', "''", '""', "'\"'\"'"],
    ['x=$(cat /etc/passwd | head -1)', '#comment', ';', '&&', '|', '<>', '(', ')'],
  ];

  it.each(samples.map((words) => [quoteCommand(words), words] as const))('%s', (line, words) => {
    expect(splitCommand(line)).toEqual(words);
  });

  it('holds for words made of every awkward character', () => {
    // A fixed pseudo-random walk (no flaky seeds): 500 commands of 1–4 words.
    const alphabet = ['a', 'Z', '0', ' ', '\t', "'", '"', '\\', '$', '`', '!', '*', ';', '&', '|', '#', '~', '\n', 'é', '-', '='];
    let seed = 7;
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let i = 0; i < 500; i++) {
      const words = Array.from({ length: 1 + next(4) }, () => Array.from({ length: next(8) }, () => alphabet[next(alphabet.length)]!).join(''));
      expect(splitCommand(quoteCommand(words)), JSON.stringify(words)).toEqual(words);
    }
  });
});
