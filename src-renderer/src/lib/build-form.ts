// The Build dialog's rules, apart from its looks: build-argument rows → `buildArgs` with a
// message per row that is wrong, the Target field's choices from the Containerfile's stages,
// and the editor's starter text. Pure: checked before anything is sent; the engine checks
// again (with the same name rule, @shared/build-input) and has the last word.
import { buildArgNameProblem } from '@shared/build-input';
import type { ImageInfo, OutlineStage } from '@shared/api/types/images';

/** One NAME=value row; `id` keys it in the list (rows come and go). */
export interface BuildArgRow {
  id: number;
  name: string;
  value: string;
}

export interface BuildArgsCheck {
  args: Record<string, string>;
  /** Row id → what is wrong with its name. */
  problems: Record<number, string>;
}

/**
 * The rows as build arguments. A row left blank (no name, no value) is no argument; a name
 * must be one `$NAME` can expand, and given once.
 */
export function checkBuildArgs(rows: readonly BuildArgRow[]): BuildArgsCheck {
  const args: Record<string, string> = {};
  const problems: Record<number, string> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '' && row.value === '') continue;
    const problem = buildArgNameProblem(name);
    if (problem) problems[row.id] = problem;
    else if (Object.hasOwn(args, name)) problems[row.id] = `${name} is given above already.`;
    else args[name] = row.value;
  }
  return { args, problems };
}

/** A target to choose: the select's value (a stage name) and its words. */
export interface TargetChoice {
  value: string;
  label: string;
}

/**
 * The stages a build can stop at: the named ones (the engine targets by name), each with
 * what it starts from. The last stage is the default (value ''), and is the image built
 * when no target is chosen.
 */
export function targetChoices(stages: readonly OutlineStage[]): TargetChoice[] {
  const last = stages.at(-1);
  const choices: TargetChoice[] = [{ value: '', label: last ? `Last stage${last.name ? ` (${last.name})` : ''}: the whole file` : 'Last stage: the whole file' }];
  for (const stage of stages) {
    if (stage.name === undefined || stage === last) continue;
    choices.push({ value: stage.name, label: `${stage.name} — FROM ${stage.from}, line ${stage.line}` });
  }
  return choices;
}

/** The editor's first text: FROM the first image the store has (by tag, else by ID), else scratch. */
export function starterContainerfile(images: readonly ImageInfo[]): string {
  const image = images.find((candidate) => candidate.tags.length > 0);
  const from = image?.tags[0] ?? images[0]?.id ?? 'scratch';
  return [
    `FROM ${from}`,
    '',
    '# COPY reads from the context directory; RUN runs inside the image.',
    '# COPY . /app',
    '# RUN echo "built"',
    '',
  ].join('\n');
}
