// What container tests share: the text a container printed (its shim's JSON-lines log).
import fs from 'node:fs';
import type { Engine } from '../../src-main/engine/index';

/** Everything the container wrote to stdout and stderr, in order; '' before it has a log. */
export function logText(engine: Engine, id: string): string {
  let text: string;
  try {
    text = fs.readFileSync(engine.containerLogPath(id), 'utf8');
  } catch {
    return '';
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { log: string }).log)
    .join('');
}
