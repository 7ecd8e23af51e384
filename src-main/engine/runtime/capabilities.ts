// A container's capability set from its options, by Docker's rules (moby's
// TweakCapabilities): the default set, less --cap-drop, plus --cap-add. The same set goes
// in bounding, effective and permitted (spec-builder.ts); exec'd processes take it from
// the container's config.json.
//
//   privileged              every capability the engine holds; --cap-add/--cap-drop ignored
//   --cap-add ALL           every capability the engine holds, less the ones dropped by name
//   --cap-drop ALL          only the ones added by name
//   otherwise               the default set less the dropped, plus the added (a name in both is added)
//
// Podman refuses a name in both lists; Docker lets the add win, and so does Strata.
import { ALL } from '@shared/capabilities';
import { StrataError } from '@shared/errors';
import type { ContainerOptions } from '../containers/options';
import { parseCapabilities } from '../containers/security-options';
import { DEFAULT_CAPABILITIES, type OciCapability } from './oci-config';

/**
 * `held`: the capabilities the engine itself holds (the runtime, its child, cannot give
 * more); asked only when the answer depends on it. A capability added by name that the
 * engine lacks is UNSUPPORTED here, at create, not a failed capset at start.
 */
export function containerCapabilities(options: ContainerOptions, held: () => readonly OciCapability[]): OciCapability[] {
  if (options.privileged === true) return [...held()];
  const add = parseCapabilities(options.capAdd ?? [], '--cap-add');
  const drop = parseCapabilities(options.capDrop ?? [], '--cap-drop');
  if (add.length === 0 && drop.length === 0) return [...DEFAULT_CAPABILITIES];

  const named = add.filter((name): name is OciCapability => name !== ALL);
  const lacking = named.filter((name) => !held().includes(name));
  if (lacking.length) {
    throw new StrataError('UNSUPPORTED', `--cap-add ${lacking.join(', ')}: the engine does not hold ${lacking.length === 1 ? 'this capability' : 'these capabilities'} (its bounding set, or an older kernel, lacks ${lacking.length === 1 ? 'it' : 'them'}), so it cannot give ${lacking.length === 1 ? 'it' : 'them'} to a container`);
  }
  if (add.includes(ALL)) return held().filter((name) => !drop.includes(name));
  if (drop.includes(ALL)) return named;
  const kept = DEFAULT_CAPABILITIES.filter((name) => !drop.includes(name));
  return [...kept, ...named.filter((name) => !kept.includes(name))];
}
