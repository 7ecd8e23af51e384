// Small, complete API records for the renderer's unit tests: a container, an image, a stats
// sample, a tree node — each with the fields a test names and plain defaults for the rest.
import type { ContainerRecord, ContainerStatus } from '@shared/api/types/containers';
import type { ImageInfo, TreeNode } from '@shared/api/types/images';
import type { StatsSample } from '@shared/api/types/stats';

/** A 64-hex id from a short tag: `hexId('a1')` → "a1a1a1…". */
export function hexId(tag: string): string {
  return tag.repeat(Math.ceil(64 / tag.length)).slice(0, 64);
}

export function container(fields: { id: string; name: string; status?: ContainerStatus; created?: string; image?: string }): ContainerRecord {
  return {
    id: fields.id,
    name: fields.name,
    created: fields.created ?? '2024-05-01T10:00:00.000Z',
    image: { ref: fields.image ?? 'busybox:latest', id: `sha256:${hexId('b0')}`, manifestDigest: `sha256:${hexId('b1')}` },
    layers: [],
    options: {},
    state: { status: fields.status ?? 'created' },
  };
}

export function image(fields: { id: string; tags?: string[]; created?: string; layers?: number }): ImageInfo {
  return {
    id: fields.id,
    manifestDigest: `sha256:${hexId('ee')}`,
    tags: fields.tags ?? [],
    created: fields.created,
    architecture: 'amd64',
    os: 'linux',
    config: {},
    layers: Array.from({ length: fields.layers ?? 1 }, (_, index) => ({
      index,
      chainId: `sha256:${hexId(`c${index}`)}`,
      diffId: `sha256:${hexId(`d${index}`)}`,
      digest: `sha256:${hexId(`f${index}`)}`,
      blobSize: 100,
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      size: 1000,
      entries: 3,
    })),
    size: 1000,
    history: [],
  };
}

/** A stats sample whose figures are all unknown except those given. */
export function sample(id: string, time: number, fields: Partial<StatsSample> = {}): StatsSample {
  return {
    id,
    time,
    source: 'cgroup',
    cpuPercent: null,
    cpuThrottledPeriods: null,
    cpuThrottledPercent: null,
    memoryUsage: null,
    memoryWorkingSet: null,
    memoryLimit: null,
    memoryOomEvents: null,
    memoryOomKills: null,
    pidsCurrent: null,
    pidsLimit: null,
    blkioReadBytes: null,
    blkioWriteBytes: null,
    blkioReadBytesPerSec: null,
    blkioWriteBytesPerSec: null,
    netRxBytes: null,
    netTxBytes: null,
    netRxBytesPerSec: null,
    netTxBytesPerSec: null,
    ...fields,
  };
}

/** A tree node: a file unless it has children or says `kind: 'dir'`; its name is the path's last part. */
export function node(path: string, fields: Partial<Omit<TreeNode, 'path' | 'name'>> = {}, children: TreeNode[] = []): TreeNode {
  return {
    name: path.slice(path.lastIndexOf('/') + 1),
    path,
    kind: children.length > 0 ? 'dir' : 'file',
    size: 0,
    count: children.length,
    mode: 0o644,
    uid: 0,
    gid: 0,
    children,
    ...fields,
  };
}

/** A layer's root: the unnamed node above its top-level entries. */
export function root(children: TreeNode[]): TreeNode {
  return node('', { kind: 'dir' }, children);
}
