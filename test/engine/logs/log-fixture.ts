// Logs for the reader tests, written as the shim writes them: one JSON record per line,
// output lines over 16 KiB split into several records, times with nine fractional digits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll } from 'vitest';

import type { LogLine } from '../../../src-main/engine/runtime/runtime-binary';

export const SPLIT_BYTES = 16 * 1024;

/** A temp directory for this test file, removed after it. */
export function useTempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-logs-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The time `ns` nanoseconds after 2026-11-29T00:00:00Z, as the shim formats it. */
export function timeAt(ns: bigint): string {
  const base = Date.UTC(2026, 10, 29);
  const ms = base + Number(ns / 1_000_000n);
  const date = new Date(ms - (ms % 1000)).toISOString().slice(0, 19);
  const fraction = (BigInt(ms % 1000) * 1_000_000n + (ns % 1_000_000n)).toString().padStart(9, '0');
  return `${date}.${fraction}Z`;
}

export function record(time: string, stream: LogLine['stream'], log: string): LogLine {
  return { time, stream, log };
}

/** The file text of records, one JSON line each, in the shim's key order. */
export function jsonl(records: readonly LogLine[]): string {
  return records.map((r) => `${JSON.stringify({ time: r.time, stream: r.stream, log: r.log })}\n`).join('');
}

/** The records the shim makes of one output line: 16 KiB pieces (bytes), the last with the newline. */
export function shimRecords(time: string, stream: LogLine['stream'], text: string): LogLine[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: LogLine[] = [];
  for (let i = 0; i < bytes.length; i += SPLIT_BYTES) {
    out.push(record(time, stream, bytes.subarray(i, i + SPLIT_BYTES).toString('utf8')));
  }
  return out;
}

/** A deterministic pseudo-random source (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789"\\\t/\u0001é€😀';

/** Output lines of varied length: mostly short, some of kilobytes, some over 16 KiB (split). */
export function variedLog(seed: number, targetBytes: number): LogLine[] {
  const next = random(seed);
  const records: LogLine[] = [];
  let ns = 0n;
  let bytes = 0;
  while (bytes < targetBytes) {
    const roll = next();
    const length = roll < 0.02 ? 16_000 + Math.floor(next() * 40_000) : roll < 0.1 ? Math.floor(next() * 4000) : Math.floor(next() * 120);
    const chars = Array.from(ALPHABET);
    let text = '';
    for (let i = 0; i < length; i++) text += chars[Math.floor(next() * chars.length)];
    ns += BigInt(1 + Math.floor(next() * 3_000_000));
    // ASCII only in split lines, so 16 KiB pieces never cut a character in two.
    const line = length > 10_000 ? `${text.replace(/[^\x20-\x7e]/g, '.')}\n` : `${text}\n`;
    for (const r of shimRecords(timeAt(ns), next() < 0.3 ? 'stderr' : 'stdout', line)) {
      records.push(r);
      bytes += JSON.stringify(r).length + 1;
    }
  }
  return records;
}

/** All of an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
