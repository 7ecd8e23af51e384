// Every method's handler, by area. The type below makes a missing handler (a method added
// to contract.ts without one) a type error naming it.
import { connectionHandlers } from './connection';
import { containerHandlers } from './containers';
import { imageHandlers } from './images';
import { jobHandlers } from './jobs';
import { logHandlers } from './logs';
import { statsHandlers } from './stats';
import { systemHandlers } from './system';
import { terminalHandlers } from './terminal';
import type { Handlers } from './types';

export type { CallHandler, HandlerContext, Handlers, JobHandler } from './types';

export const handlers: Handlers = {
  ...imageHandlers,
  ...containerHandlers,
  ...logHandlers,
  ...terminalHandlers,
  ...statsHandlers,
  ...jobHandlers,
  ...systemHandlers,
  ...connectionHandlers,
};
