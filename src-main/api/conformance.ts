// Pins the API's wire types (./types, written out so the renderer can import them) to the
// engine's own. Nothing imports this file; type-checking it is the test. When a line here
// fails, the engine changed a type: change ./types/ to match (and the renderer if needed).
import type * as Build from '../engine/build/build-events';
import type * as Containers from '../engine/containers/container';
import type * as Diff from '../engine/containers/container-diff';
import type * as Exec from '../engine/containers/exec-container';
import type * as Export from '../engine/images/export-image';
import type * as Options from '../engine/containers/options';
import type * as Network from '../engine/network/index';
import type * as Disk from '../engine/images/disk';
import type * as ImageOps from '../engine/images/image-ops';
import type * as ImageStore from '../engine/images/image-store';
import type * as Import from '../engine/images/import-image';
import type * as Oci from '../engine/images/oci';
import type * as Pull from '../engine/registry/pull';
import type * as Source from '../engine/images/sources/source';
import type * as LayerEntry from '../engine/layers/layer-entry';
import type * as LayerIndex from '../engine/layers/layer-index';
import type * as Runtime from '../engine/runtime/runtime-binary';
import type * as Gc from '../engine/store/gc';
import type { ParsedInput } from './contract';
import type * as WireContainers from './types/containers';
import type * as WireImages from './types/images';
import type * as WireJobs from './types/jobs';

/** True only when A and B are the same type (same keys, same optionality, same member types). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Each entry must be `true`; a `false` names the type that drifted. */
type Pins<T extends Record<string, true>> = T;

export type WireTypesMatchTheEngine = Pins<{
  ImageInfo: Same<WireImages.ImageInfo, ImageStore.ImageInfo>;
  ImageLayer: Same<WireImages.ImageLayer, ImageStore.ImageLayer>;
  RunConfig: Same<WireImages.RunConfig, Oci.RunConfig>;
  HistoryEntry: Same<WireImages.HistoryEntry, Oci.HistoryEntry>;
  ImportFormat: Same<WireImages.ImportFormat, Source.ImportFormat>;
  ImportedImage: Same<WireImages.ImportedImage, Import.ImportedImage>;
  PulledImage: Same<WireImages.PulledImage, Pull.PulledImage>;
  SweepReport: Same<WireImages.SweepReport, Gc.SweepReport>;
  RemoveResult: Same<WireImages.RemoveResult, ImageOps.RemoveResult>;
  PruneResult: Same<WireImages.PruneResult, ImageOps.PruneResult>;
  EntryKind: Same<WireImages.EntryKind, LayerEntry.EntryKind>;
  ChangeMark: Same<WireImages.ChangeMark, LayerEntry.ChangeMark>;
  TreeNode: Same<WireImages.TreeNode, LayerIndex.TreeNode>;
  StoreDiskUsage: Same<WireImages.StoreDiskUsage, Disk.StoreDiskUsage>;
  ContainerStatus: Same<WireContainers.ContainerStatus, Containers.ContainerStatus>;
  ContainerState: Same<WireContainers.ContainerState, Containers.ContainerState>;
  ContainerRecord: Same<WireContainers.ContainerRecord, Containers.ContainerRecord>;
  ContainerOptions: Same<WireContainers.ContainerOptions, Options.ContainerOptions>;
  VolumeSpec: Same<WireContainers.VolumeSpec, Options.VolumeSpec>;
  DeviceSpec: Same<WireContainers.DeviceSpec, Options.DeviceSpec>;
  RestartPolicy: Same<WireContainers.RestartPolicy, Options.RestartPolicy>;
  NetworkMode: Same<WireContainers.NetworkMode, Network.NetworkMode>;
  PortSpec: Same<WireContainers.PortSpec, Network.PortSpec>;
  NetworkState: Same<WireContainers.NetworkState, Containers.NetworkState>;
  LogLine: Same<WireContainers.LogLine, Runtime.LogLine>;
  ContainerUpdate: Same<WireContainers.ContainerUpdate, Options.ContainerUpdate>;
  ContainerChange: Same<WireContainers.ContainerChange, Diff.ContainerChange>;
  ExecResult: Same<WireContainers.ExecResult, Exec.ExecResult>;
  ExportResult: Same<WireImages.ExportResult, Export.ExportResult>;
  BuildResult: Same<WireImages.BuildResult, Build.BuildResult>;
  ExportFormatInput: Same<ParsedInput<'images.save'>['format'], Export.ExportFormat>;
  // Enums the table's input schemas spell out.
  ImportFormatInput: Same<NonNullable<ParsedInput<'images.import'>['format']>, Source.ImportFormat>;
  LogStreamInput: Same<NonNullable<ParsedInput<'containers.logs'>['streams']>[number], Runtime.LogLine['stream']>;
  // The import's progress reports go out as job progress unchanged.
  ImportProgress: Import.ImportProgress extends WireJobs.JobProgress ? true : false;
  // The pull's progress goes out as job progress, less the layer digest.
  PullProgress: Omit<Pull.PullProgress, 'digest'> extends WireJobs.JobProgress ? true : false;
}>;
