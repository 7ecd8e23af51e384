// Limits both the engine and the window hold a container's options to, so a form refuses
// what the engine would, with the same numbers.

/** The smallest memory limit: below it the kernel's OOM killer ends a container at once (docker's 6 MiB). */
export const MIN_MEMORY = 6 * 1024 * 1024;
