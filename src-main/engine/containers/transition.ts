// The engine's side of the lifecycle table (src-shared/container-lifecycle.ts): every action
// asks it first, so a transition the table does not allow is a CONFLICT with one wording,
// and docker's idempotent cases (start of a running container) are no-ops, everywhere alike.
import { type ContainerAction, refusal, verdict } from '@shared/container-lifecycle';
import { StrataError } from '@shared/errors';
import type { ContainerRecord } from './container';

/** 'go' or 'noop' for this record's status; CONFLICT when the table refuses. */
export function checkTransition(action: ContainerAction, record: ContainerRecord, options: { force?: boolean } = {}): 'go' | 'noop' {
  const answer = verdict(action, record.state.status, options);
  if (answer === 'refused') throw new StrataError('CONFLICT', refusal(action, record.name, record.state.status));
  return answer;
}
