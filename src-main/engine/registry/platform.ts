// Which image of a multi-platform index to pull: this machine's (linux/<arch>[/variant]),
// or the one `--platform os/arch[/variant]` names. Spellings are normalised as containerd
// does: x86_64 → amd64, aarch64 → arm64, arm64/v8 ≡ arm64, arm without a variant ≡ arm/v7.
import { StrataError } from '@shared/errors';
import type { Descriptor } from '../images/oci';
import { hostArchitecture } from '../images/oci';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const PART = /^[a-z0-9][a-z0-9_.-]{0,31}$/;
const ARCH_ALIASES: Record<string, Platform['architecture']> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386', armhf: 'arm', armel: 'arm' };

/** `linux/arm64`, `linux/arm/v7`: INVALID_ARGUMENT for anything else. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || !parts.every((part) => PART.test(part))) {
    throw new StrataError('INVALID_ARGUMENT', `invalid platform ${JSON.stringify(text)}: use os/arch[/variant], such as linux/amd64 or linux/arm/v7`);
  }
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  const armFlavour = architecture === 'armel' ? 'v6' : architecture === 'armhf' ? 'v7' : undefined;
  return normalizePlatform({ os, architecture, variant: variant ?? armFlavour });
}

export function normalizePlatform(platform: Platform): Platform {
  const architecture = ARCH_ALIASES[platform.architecture] ?? platform.architecture;
  let variant = platform.variant || undefined;
  if (architecture === 'arm64' && variant === 'v8') variant = undefined;
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  return { os: platform.os, architecture, ...(variant ? { variant } : {}) };
}

export function hostPlatform(): Platform {
  const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
  const variant = hostArchitecture() === 'arm' && armVersion ? `v${String(armVersion)}` : undefined;
  return normalizePlatform({ os: 'linux', architecture: hostArchitecture(), ...(variant ? { variant } : {}) });
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/**
 * The index entry for `want`: same os and architecture, and the same variant when `want`
 * names one (else the entry without a variant first, as amd64/v2, v3 builds come beside a
 * plain amd64 one). NOT_FOUND lists what the index offers.
 */
export function selectPlatform(manifests: readonly Descriptor[], want: Platform, where: string): Descriptor {
  const wanted = normalizePlatform(want);
  const candidates = manifests.filter((descriptor) => {
    if (!descriptor.platform) return false;
    const offered = normalizePlatform(descriptor.platform);
    if (offered.os !== wanted.os || offered.architecture !== wanted.architecture) return false;
    return want.variant === undefined || offered.variant === wanted.variant;
  });
  const best = candidates.find((descriptor) => !normalizePlatform(descriptor.platform!).variant) ?? candidates[0];
  if (best) return best;
  const offered = manifests
    .filter((descriptor) => descriptor.platform && descriptor.platform.os !== 'unknown') // buildkit attestations
    .map((descriptor) => formatPlatform(descriptor.platform!));
  throw new StrataError('NOT_FOUND', `${where} has no image for ${formatPlatform(wanted)} (it has ${offered.length ? [...new Set(offered)].join(', ') : 'none'}); choose one with --platform`);
}
