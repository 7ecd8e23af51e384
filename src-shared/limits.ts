// Limits both the engine and the window hold a container's options to, so a form refuses
// what the engine would, with the same numbers.

/** The smallest memory limit: below it the kernel's OOM killer ends a container at once (docker's 6 MiB). */
export const MIN_MEMORY = 6 * 1024 * 1024;
/**
 * The largest seccomp profile the CLI and the run dialog send: a profile is a few tens of
 * KiB (Docker's default about 20), so a bigger file is a wrong one.
 */
export const MAX_SECCOMP_PROFILE_BYTES = 1024 * 1024;
