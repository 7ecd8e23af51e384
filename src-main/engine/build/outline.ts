// What a Containerfile offers a build, read without building anything: the stages a build
// can target and the ARGs it can be given, or why the text does not parse (with its line).
// The Build dialog asks this of the context's Containerfile (its Target and Build argument
// lists) and of the text in its editor (parse errors at the line, while typing).
//
// Read-only and cheap: one stat of the context, one read of a small file, one parse. Only
// the parser runs (not the planner): a FROM `${BASE}` whose ARG has no default is fine here,
// since the build may give it.
import { MAX_CONTAINERFILE_TEXT } from '@shared/build-input';
import { StrataError, isStrataError } from '@shared/errors';
import type { ContainerfileOutline, OutlineArg, OutlineStage } from '@shared/api/types/images';
import { type ParsedContainerfile, parseContainerfile } from './containerfile-parser';
import { type ContainerfileChoice, checkContainerfileChoice, locateContainerfile } from './containerfile-source';
import { openBuildContext } from './context';

export interface OutlineInput extends ContainerfileChoice {
  /** Where CONTEXT/Containerfile or CONTEXT/Dockerfile is looked for; not needed with text or a file. */
  contextDir?: string | undefined;
}

export async function containerfileOutline(input: OutlineInput): Promise<ContainerfileOutline> {
  checkContainerfileChoice(input);
  if (input.containerfileText !== undefined) return outlineOf(input.containerfileText, null);
  let contextRoot = '';
  if (input.contextDir !== undefined) contextRoot = (await openBuildContext(input.contextDir)).root;
  else if (input.containerfile === undefined) throw new StrataError('INVALID_ARGUMENT', 'name a context directory, a Containerfile, or give its text');
  // A file bigger than any text the build takes inline is no Containerfile to list.
  const found = await locateContainerfile(contextRoot, input.containerfile, MAX_CONTAINERFILE_TEXT * 4);
  if (!found) return { file: null, found: false, stages: [], args: [] };
  return outlineOf(found.text, found.file);
}

function outlineOf(text: string, file: string | null): ContainerfileOutline {
  let parsed: ParsedContainerfile;
  try {
    parsed = parseContainerfile(text);
  } catch (error) {
    // The parser's refusals (INVALID_ARGUMENT, UNSUPPORTED) are about the text: an answer, not a failure.
    if (!isStrataError(error, 'INVALID_ARGUMENT') && !isStrataError(error, 'UNSUPPORTED')) throw error;
    return { file, found: true, stages: [], args: [], problem: problemOf(error.message) };
  }
  const stages: OutlineStage[] = [];
  const args = new Map<string, OutlineArg>();
  for (const instruction of parsed.instructions) {
    if (instruction.keyword === 'FROM') {
      stages.push({ index: stages.length, ...(instruction.stageName !== undefined ? { name: instruction.stageName } : {}), from: instruction.image, line: instruction.line });
    } else if (instruction.keyword === 'ARG') {
      for (const arg of instruction.args) {
        if (args.has(arg.name)) continue;
        args.set(arg.name, { name: arg.name, ...(arg.defaultValue !== undefined ? { defaultValue: arg.defaultValue } : {}), line: instruction.line });
      }
    }
  }
  return { file, found: true, stages, args: [...args.values()] };
}

/** The parser's messages start `line N: ` when they concern a line (see containerfile-parser.ts). */
function problemOf(message: string): { message: string; line?: number } {
  const match = /^line (\d+): /.exec(message);
  return match ? { message: message.slice(match[0].length), line: Number(match[1]) } : { message };
}
