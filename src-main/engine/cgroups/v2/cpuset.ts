// v2 cpuset controller: cpuset.cpus and cpuset.mems have the v1 names and list syntax, so
// the writes are shared (v1/cpuset.ts). Unlike v1, an empty cpuset.cpus in a new v2 cgroup
// means "the parent's" (cpuset.cpus.effective), so nothing needs copying down.
export { applyCpuset } from '../v1/cpuset';
