// Which paths are mount points in this process's mount namespace, read from
// /proc/self/mountinfo (field 5, octal escapes undone). A module of its own so that
// readers of container records (list-containers, interrupted-start) load no overlay code.
import fs from 'node:fs';
import path from 'node:path';

export function isMounted(target: string): boolean {
  return mountPoints().includes(path.resolve(target));
}

export async function isMountedAsync(target: string): Promise<boolean> {
  return (await mountPointsAsync()).includes(path.resolve(target));
}

/** Every mount point of this process's mount namespace, as paths. */
export function mountPoints(): string[] {
  return parseMountPoints(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
}

export async function mountPointsAsync(): Promise<string[]> {
  return parseMountPoints(await fs.promises.readFile('/proc/self/mountinfo', 'utf8'));
}

function parseMountPoints(mountinfo: string): string[] {
  return mountinfo.split('\n').flatMap((line) => {
    const point = line.split(' ')[4];
    return point === undefined ? [] : [unescapeMountPath(point)];
  });
}

function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
