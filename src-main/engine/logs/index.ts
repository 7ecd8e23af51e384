// Container logs: reading, following and printing the JSON lines each shim writes
// (`containers/<id>/log.jsonl`, records `{"time","stream","log"}`).
export { followLogs, POLL_MS } from './log-follow';
export { type FormatOptions, formatLogLine } from './log-format';
export { type LogQuery, type LogStream, type SkippedLine, readLogs } from './log-reader';
export { parseSince } from './log-since';
