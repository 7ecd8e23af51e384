// The front half of `strata build`: Containerfile → stages → plan, plus the build context
// (ignore rules, COPY sources and their digest) and step cache keys. Nothing here runs
// containers; the executor takes a BuildPlan and carries it out.
export { lexContainerfile, type EscapeChar, type LexedContainerfile, type LogicalLine } from './containerfile-lexer';
export * from './containerfile-parser';
export * from './variables';
export * from './stages';
export * from './ignore';
export * from './context';
export * from './cache-key';
export * from './plan';
