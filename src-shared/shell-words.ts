// A command line as words and back: what a person types in a Command field is split into
// the argv the engine runs, and an argv is shown as a line that splits back to the same
// words (`sh -c 'while true; do …'`, not `sh -c while true; do …`). The quoting is a POSIX
// shell's, so a line shown can be pasted into a terminal too.

/** `sh -c "echo hi"` → ['sh', '-c', 'echo hi']: spaces split, quotes group, backslash escapes; undefined while a quote is open. */
export function splitCommand(text: string): string[] | undefined {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return undefined;
  if (inWord) words.push(word);
  return words;
}

/** Characters a shell reads as themselves anywhere in a word. */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** What a shell still expands inside double quotes. */
const EXPANDS_IN_DOUBLE_QUOTES = /["$`\\!]/;

/** One word as a shell would need it: bare when it can be, else quoted the most readable way. */
export function quoteWord(word: string): string {
  if (PLAIN.test(word)) return word;
  if (!word.includes("'")) return `'${word}'`;
  // "it's" reads better than 'it'\''s' when nothing in it expands
  if (!EXPANDS_IN_DOUBLE_QUOTES.test(word)) return `"${word}"`;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** ['sh', '-c', 'echo hi'] → `sh -c 'echo hi'`: splitCommand() reads it back to the same words. */
export function quoteCommand(words: readonly string[]): string {
  return words.map(quoteWord).join(' ');
}
