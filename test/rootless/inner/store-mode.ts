// In strata-test's user namespace (userns.ts): opens the store at argv[2] as the rootless
// engine and says what happened — its recorded mode, or the refusal (store-mode.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../../src-main/engine/index';
import { refusal, report } from './report';

const [root] = process.argv.slice(2) as [string];

await report(async () => {
  const refused = await refusal(async () => Engine.open({ root }));
  const modeFile = path.join(root, 'engine-mode');
  return { refused, mode: fs.existsSync(modeFile) ? fs.readFileSync(modeFile, 'utf8').trim() : null };
});
